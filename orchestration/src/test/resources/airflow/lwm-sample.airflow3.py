# DAG lwm-sample, rendered by `lwm airflow render` from sample.yaml: change the pipeline and render again rather than edit this.
# Airflow 3.0 or newer (the airflow.sdk DAG), with apache-airflow-providers-apache-spark.
# Each task is a spark-submit of the fat jar (s3a://lwm-test/jars/orchestration-spark.jar) through its Spark connection, running one step with
# the same arguments as `lwm pipeline submit`. Trigger with params to change the run, e.g. {"lake": "s3a://bucket/other-lake"};
# the run date (${run_date}) is the run's logical date {{ ds }}.
from datetime import timedelta

import pendulum
from airflow.sdk import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

with DAG(
    dag_id='lwm-sample',
    description='lwm pipeline lwm-sample (sample.yaml)',
    schedule='@daily',
    start_date=pendulum.datetime(2024, 1, 1, tz='UTC'),
    catchup=False,
    max_active_runs=1,
    default_args={'retries': 2, 'retry_delay': timedelta(minutes=10)},
    tags=['lwm', 'books', 'qa'],
    params={
        'lake': 's3a://lwm-test/lake',
        'books': 's3a://corpus/books3/',
        'tokenizer': 's3a://lwm-test/tokenizer.model',
    },
) as dag:
    books = SparkSubmitOperator(
        task_id='books',
        name='lwm-sample:books',
        application='s3a://lwm-test/jars/orchestration-spark.jar',
        java_class='org.lwm.orchestration.Lwm',
        conn_id='spark_default',
        conf={'spark.executor.memory': '4g', 'spark.sql.shuffle.partitions': '64'},
        application_args=[
            'ingest', 'books',
            '--input', '{{ params.books }}',
            '--lake', '{{ params.lake }}',
            '--set', 'ingest.min_chars=500',
            '--set', 'tokenizer={{ params.tokenizer }}',
        ],
    )
    tokens = SparkSubmitOperator(
        task_id='tokens',
        name='lwm-sample:tokens',
        application='s3a://lwm-test/jars/orchestration-spark.jar',
        java_class='org.lwm.orchestration.Lwm',
        conn_id='spark_default',
        conf={'spark.executor.memory': '4g', 'spark.sql.shuffle.partitions': '64'},
        application_args=[
            'ingest', 'tokenize',
            '--lake', '{{ params.lake }}',
            '--set', 'tokenizer={{ params.tokenizer }}',
        ],
    )
    chunks = SparkSubmitOperator(
        task_id='chunks',
        name='lwm-sample:chunks',
        application='s3a://lwm-test/jars/orchestration-spark.jar',
        java_class='org.lwm.orchestration.Lwm',
        conn_id='spark_default',
        conf={'spark.executor.memory': '4g', 'spark.sql.shuffle.partitions': '64'},
        application_args=[
            'qa', 'chunk',
            '--lake', '{{ params.lake }}',
            '--set', 'qa.chunk_tokens=1000',
            '--set', 'tokenizer={{ params.tokenizer }}',
        ],
    )
    qa_extractive = SparkSubmitOperator(
        task_id='qa-extractive',
        name='lwm-sample:qa-extractive',
        application='s3a://lwm-test/jars/orchestration-spark.jar',
        java_class='org.lwm.orchestration.Lwm',
        conn_id='spark_qa',
        conf={'spark.executor.cores': '4', 'spark.executor.memory': '4g', 'spark.sql.shuffle.partitions': '64'},
        application_args=[
            'qa', 'generate',
            '--generator', 'extractive',
            '--lake', '{{ params.lake }}',
            '--set', 'qa.openai.note={% raw %}it\'s {{ not }} a template\n"quoted" \\ run {% endraw %}{{ ds }} in {{ params.lake }}, ${literal} \xe9',
            '--set', 'tokenizer={{ params.tokenizer }}',
        ],
    )

    books >> tokens
    tokens >> chunks
    chunks >> qa_extractive
