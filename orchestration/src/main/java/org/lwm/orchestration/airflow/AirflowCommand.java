package org.lwm.orchestration.airflow;

import org.lwm.core.cli.CommandGroup;
import picocli.CommandLine.Command;

/** {@code lwm airflow …}: pipelines as Airflow DAGs. */
@Command(name = "airflow", description = "Pipelines as Airflow DAGs.", mixinStandardHelpOptions = true,
    subcommands = {RenderCommand.class})
public final class AirflowCommand extends CommandGroup {}
