# DAG lwm-demo, rendered by `lwm airflow render` from pipeline.yaml: change the pipeline and render again rather than edit this.
# Airflow 3.0 or newer (the airflow.sdk DAG), with apache-airflow-providers-apache-spark.
# Each task is a spark-submit of the fat jar (/opt/lwm/orchestration-0.1.0-SNAPSHOT-spark.jar) through its Spark connection, running one step with
# the same arguments as `lwm pipeline submit`. Trigger with params to change the run, e.g. {"lake": "s3a://bucket/other-lake"};
# the run date (${run_date}) is the run's logical date {{ ds }}.
from datetime import timedelta

import pendulum
from airflow.sdk import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

with DAG(
    dag_id='lwm-demo',
    description='lwm pipeline lwm-demo (pipeline.yaml)',
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz='UTC'),
    catchup=False,
    max_active_runs=1,
    default_args={'retries': 1, 'retry_delay': timedelta(minutes=5)},
    tags=['lwm'],
    params={'lake': './lake', 'samples': 'samples', 'runs': 'runs'},
) as dag:
    books = SparkSubmitOperator(
        task_id='books',
        name='lwm-demo:books',
        application='/opt/lwm/orchestration-0.1.0-SNAPSHOT-spark.jar',
        java_class='org.lwm.orchestration.Lwm',
        conn_id='spark_default',
        conf={'spark.sql.shuffle.partitions': '4'},
        application_args=[
            'ingest', 'books',
            '--input', '{{ params.samples }}/books',
            '--lake', '{{ params.lake }}',
            '--set', 'tokenizer={{ params.samples }}/tokenizer.model',
        ],
    )
    tokenize = SparkSubmitOperator(
        task_id='tokenize',
        name='lwm-demo:tokenize',
        application='/opt/lwm/orchestration-0.1.0-SNAPSHOT-spark.jar',
        java_class='org.lwm.orchestration.Lwm',
        conn_id='spark_default',
        conf={'spark.sql.shuffle.partitions': '4'},
        application_args=[
            'ingest', 'tokenize',
            '--lake', '{{ params.lake }}',
            '--set', 'tokenizer={{ params.samples }}/tokenizer.model',
        ],
    )
    chunk = SparkSubmitOperator(
        task_id='chunk',
        name='lwm-demo:chunk',
        application='/opt/lwm/orchestration-0.1.0-SNAPSHOT-spark.jar',
        java_class='org.lwm.orchestration.Lwm',
        conn_id='spark_default',
        conf={'spark.sql.shuffle.partitions': '4'},
        application_args=[
            'qa', 'chunk',
            '--lake', '{{ params.lake }}',
            '--set', 'tokenizer={{ params.samples }}/tokenizer.model',
        ],
    )
    generate = SparkSubmitOperator(
        task_id='generate',
        name='lwm-demo:generate',
        application='/opt/lwm/orchestration-0.1.0-SNAPSHOT-spark.jar',
        java_class='org.lwm.orchestration.Lwm',
        conn_id='spark_default',
        conf={'spark.sql.shuffle.partitions': '4'},
        application_args=[
            'qa', 'generate',
            '--lake', '{{ params.lake }}',
            '--set', 'qa.generator=extractive',
            '--set', 'tokenizer={{ params.samples }}/tokenizer.model',
        ],
    )
    assemble = SparkSubmitOperator(
        task_id='assemble',
        name='lwm-demo:assemble',
        application='/opt/lwm/orchestration-0.1.0-SNAPSHOT-spark.jar',
        java_class='org.lwm.orchestration.Lwm',
        conn_id='spark_default',
        conf={'spark.sql.shuffle.partitions': '4'},
        application_args=[
            'qa', 'assemble',
            '--lake', '{{ params.lake }}',
            '--set', 'qa.assemble.lengths=2048,8192',
            '--set', 'qa.generator=extractive',
            '--set', 'tokenizer={{ params.samples }}/tokenizer.model',
        ],
    )
    videos = SparkSubmitOperator(
        task_id='videos',
        name='lwm-demo:videos',
        application='/opt/lwm/orchestration-0.1.0-SNAPSHOT-spark.jar',
        java_class='org.lwm.orchestration.Lwm',
        conn_id='spark_default',
        conf={'spark.sql.shuffle.partitions': '4'},
        application_args=[
            'ingest', 'videos',
            '--input', '{{ params.samples }}/videos',
            '--captions', '{{ params.samples }}/videos/captions.jsonl',
            '--lake', '{{ params.lake }}',
            '--set', 'tokenizer={{ params.samples }}/tokenizer.model',
        ],
    )
    encode = SparkSubmitOperator(
        task_id='encode',
        name='lwm-demo:encode',
        application='/opt/lwm/orchestration-0.1.0-SNAPSHOT-spark.jar',
        java_class='org.lwm.orchestration.Lwm',
        conn_id='spark_default',
        conf={'spark.sql.shuffle.partitions': '4'},
        application_args=[
            'vqgan', 'encode-videos',
            '--lake', '{{ params.lake }}',
            '--set', 'tokenizer={{ params.samples }}/tokenizer.model',
            '--set', 'vqgan.batch=2',
            '--set', 'vqgan.checkpoint=random:42',
            '--set', 'vqgan.frames=2',
        ],
    )
    examples = SparkSubmitOperator(
        task_id='examples',
        name='lwm-demo:examples',
        application='/opt/lwm/orchestration-0.1.0-SNAPSHOT-spark.jar',
        java_class='org.lwm.orchestration.Lwm',
        conn_id='spark_default',
        conf={'spark.sql.shuffle.partitions': '4'},
        application_args=[
            'pack', 'examples',
            '--lake', '{{ params.lake }}',
            '--set', 'tokenizer={{ params.samples }}/tokenizer.model',
        ],
    )
    pack_2k = SparkSubmitOperator(
        task_id='pack-2k',
        name='lwm-demo:pack-2k',
        application='/opt/lwm/orchestration-0.1.0-SNAPSHOT-spark.jar',
        java_class='org.lwm.orchestration.Lwm',
        conn_id='spark_default',
        conf={'spark.sql.shuffle.partitions': '4'},
        application_args=[
            'pack', 'run',
            '--lake', '{{ params.lake }}',
            '--set', 'pack.stage=2k',
            '--set', 'pack.stages.2k.separate=long_qa',
            '--set', 'pack.stages.2k.seq_len=2048',
            '--set', 'tokenizer={{ params.samples }}/tokenizer.model',
        ],
    )
    pack_8k = SparkSubmitOperator(
        task_id='pack-8k',
        name='lwm-demo:pack-8k',
        application='/opt/lwm/orchestration-0.1.0-SNAPSHOT-spark.jar',
        java_class='org.lwm.orchestration.Lwm',
        conn_id='spark_default',
        conf={'spark.sql.shuffle.partitions': '4'},
        application_args=[
            'pack', 'run',
            '--lake', '{{ params.lake }}',
            '--set', 'pack.stage=8k',
            '--set', 'pack.stages.8k.separate=long_qa',
            '--set', 'pack.stages.8k.seq_len=8192',
            '--set', 'tokenizer={{ params.samples }}/tokenizer.model',
        ],
    )
    train = SparkSubmitOperator(
        task_id='train',
        name='lwm-demo:train',
        application='/opt/lwm/orchestration-0.1.0-SNAPSHOT-spark.jar',
        java_class='org.lwm.orchestration.Lwm',
        conn_id='spark_default',
        conf={'spark.sql.shuffle.partitions': '4'},
        application_args=[
            'train',
            '--lake', '{{ params.lake }}',
            '--set', 'tokenizer={{ params.samples }}/tokenizer.model',
            '--set', 'train.config={{ params.samples }}/train.yaml',
            '--set', 'train.output={{ params.runs }}/demo-train',
        ],
    )
    needle = SparkSubmitOperator(
        task_id='needle',
        name='lwm-demo:needle',
        application='/opt/lwm/orchestration-0.1.0-SNAPSHOT-spark.jar',
        java_class='org.lwm.orchestration.Lwm',
        conn_id='spark_default',
        conf={'spark.sql.shuffle.partitions': '4'},
        application_args=[
            'eval', 'needle',
            '--lake', '{{ params.lake }}',
            '--set', 'eval.needle.checkpoint={{ params.runs }}/demo-train/8k/final',
            '--set', 'eval.needle.depths=0,50,100',
            '--set', 'eval.needle.layout=zigzag',
            '--set', 'eval.needle.lengths=256,512',
            '--set', 'eval.needle.max_new_tokens=8',
            '--set', 'eval.needle.output={{ params.runs }}/demo-train/needle',
            '--set', 'eval.needle.seeds=1',
            '--set', 'eval.needle.sp=4',
            '--set', 'tokenizer={{ params.samples }}/tokenizer.model',
        ],
    )
    report = SparkSubmitOperator(
        task_id='report',
        name='lwm-demo:report',
        application='/opt/lwm/orchestration-0.1.0-SNAPSHOT-spark.jar',
        java_class='org.lwm.orchestration.Lwm',
        conn_id='spark_default',
        conf={'spark.sql.shuffle.partitions': '4'},
        application_args=[
            'report',
            '--lake', '{{ params.lake }}',
            '--set', 'report.frames=3',
            '--set', 'report.output={{ params.runs }}/report.html',
            '--set', 'report.run={{ params.runs }}/demo-train',
            '--set', 'tokenizer={{ params.samples }}/tokenizer.model',
        ],
    )

    books >> tokenize
    tokenize >> chunk
    chunk >> generate
    generate >> assemble
    videos >> encode
    tokenize >> examples
    assemble >> examples
    encode >> examples
    examples >> pack_2k
    examples >> pack_8k
    pack_2k >> train
    pack_8k >> train
    train >> needle
    needle >> report
