package org.lwm.orchestration;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.lwm.core.cli.CommandGroup;
import org.lwm.core.cli.CommonOptions;
import org.lwm.core.cli.UserError;
import org.lwm.core.lake.Lake;
import org.lwm.core.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lwm lake ls|cat}: look into the lake's tables without a notebook. */
@Command(name = "lake", description = "List and print the lake's tables.", mixinStandardHelpOptions = true,
    subcommands = {LakeCommand.Ls.class, LakeCommand.Cat.class})
final class LakeCommand extends CommandGroup {

  @Command(name = "ls", description = "Tables with row count, Delta version and last operation.", mixinStandardHelpOptions = true)
  static final class Ls implements Runnable {
    @Mixin CommonOptions common;

    @Override
    public void run() {
      Lake lake = common.lake();
      SparkSession spark = SparkSessions.create("lake ls", common.config());
      lake.checkReadable(spark);
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"table", "rows", "version", "last operation", "at"});
      for (String name : lake.tableNames(spark)) {
        Row h = spark.sql("DESCRIBE HISTORY delta.`" + lake.table(name) + "` LIMIT 1").first();
        long count = spark.read().format("delta").load(lake.table(name)).count();
        rows.add(new String[] {name, String.valueOf(count), String.valueOf(h.getAs("version").toString()),
            String.valueOf((Object) h.getAs("operation")), String.valueOf((Object) h.getAs("timestamp"))});
      }
      printTable(System.out, rows);
      if (rows.size() == 1) System.out.println("(no tables in " + lake + ")");
    }
  }

  @Command(name = "cat", description = "Print a table's rows.", mixinStandardHelpOptions = true)
  static final class Cat implements Runnable {
    @Mixin CommonOptions common;

    @Parameters(index = "0", paramLabel = "TABLE", description = "Table name, e.g. books.")
    String table;

    @Option(names = "--columns", split = ",", paramLabel = "COL", description = "Columns to print (comma-separated; SQL expressions allowed).")
    List<String> columns;

    @Option(names = "--where", paramLabel = "SQL", description = "A SQL filter, e.g. \"n_chars > 1000\".")
    String where;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "At most N rows (default ${DEFAULT-VALUE}; 0 for all).")
    int limit;

    @Option(names = "--format", paramLabel = "FMT", defaultValue = "table", description = "jsonl (one JSON object per row) or table (default).")
    String format;

    @Override
    public void run() {
      if (!format.equals("jsonl") && !format.equals("table")) {
        throw new UserError("--format must be jsonl or table, got '" + format + "'");
      }
      Lake lake = common.lake();
      SparkSession spark = SparkSessions.create("lake cat", common.config());
      lake.checkReadable(spark);
      Dataset<Row> df = lake.read(spark, table);
      try {
        if (where != null) df = df.where(where);
        if (columns != null && !columns.isEmpty()) {
          Column[] cols = columns.stream().map(String::strip).map(functions::expr).toArray(Column[]::new);
          df = df.select(cols);
        }
        if (limit > 0) df = df.limit(limit);
        if (format.equals("jsonl")) {
          PrintStream out = System.out;
          for (java.util.Iterator<String> it = df.toJSON().toLocalIterator(); it.hasNext(); ) out.println(it.next());
          out.flush();
        } else {
          System.out.print(df.showString(limit > 0 ? limit : Integer.MAX_VALUE, 60, false));
        }
      } catch (Exception e) {
        // Spark's AnalysisException (bad column, bad --where) is checked for Java but thrown undeclared
        if (e instanceof org.apache.spark.sql.AnalysisException a) throw new UserError("cannot read " + table + ": " + a.getSimpleMessage());
        if (e instanceof RuntimeException r) throw r;
        throw new IllegalStateException(e);
      }
    }
  }

  static void printTable(PrintStream out, List<String[]> rows) {
    int[] w = new int[rows.get(0).length];
    for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
    for (String[] r : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        if (i > 0) sb.append("  ");
        sb.append(i == 1 || i == 2 ? " ".repeat(w[i] - r[i].length()) + r[i] : r[i] + " ".repeat(w[i] - r[i].length()));
      }
      out.println(sb.toString().stripTrailing());
    }
  }
}
