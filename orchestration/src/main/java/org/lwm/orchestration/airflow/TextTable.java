package org.lwm.orchestration.airflow;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Rows printed in columns padded to their widest cell, numbers right-aligned; null cells print as "-". */
final class TextTable {
  private final String[] header;
  private final List<String[]> rows = new ArrayList<>();

  TextTable(String... header) {
    this.header = header;
  }

  TextTable row(Object... cells) {
    String[] r = new String[header.length];
    for (int i = 0; i < r.length; i++) r[i] = i < cells.length && cells[i] != null ? cells[i].toString() : "-";
    rows.add(r);
    return this;
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  void print(PrintStream out) {
    int[] w = new int[header.length];
    boolean[] numeric = new boolean[header.length];
    for (int i = 0; i < w.length; i++) {
      w[i] = header[i].length();
      numeric[i] = !rows.isEmpty();
      for (String[] r : rows) {
        w[i] = Math.max(w[i], r[i].length());
        numeric[i] &= r[i].matches("-?[0-9.]+|-");
      }
    }
    line(out, header, w, numeric);
    for (String[] r : rows) line(out, r, w, numeric);
    out.flush();
  }

  private static void line(PrintStream out, String[] cells, int[] w, boolean[] numeric) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      if (i > 0) sb.append("  ");
      String pad = " ".repeat(w[i] - cells[i].length());
      sb.append(numeric[i] ? pad + cells[i] : cells[i] + pad);
    }
    out.println(sb.toString().stripTrailing());
  }
}
