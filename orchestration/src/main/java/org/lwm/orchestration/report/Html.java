package org.lwm.orchestration.report;

import java.awt.image.BufferedImage;
import java.util.List;

/** Small HTML pieces for the report and notebooks: escaped text, tables, inline images. */
public final class Html {
  private Html() {}

  public static String esc(Object o) {
    String s = String.valueOf(o);
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /** A table: the first row is the header; cells are escaped; numbers align right. */
  public static String table(List<List<?>> rows) {
    StringBuilder b = new StringBuilder("<table>\n");
    for (int r = 0; r < rows.size(); r++) {
      b.append("<tr>");
      for (Object cell : rows.get(r)) {
        String tag = r == 0 ? "th" : "td";
        boolean num = cell instanceof Number;
        b.append('<').append(tag).append(num ? " class=\"num\"" : "").append('>').append(esc(cell)).append("</").append(tag).append('>');
      }
      b.append("</tr>\n");
    }
    return b.append("</table>\n").toString();
  }

  /** An inline PNG with its size and alternative text, in a figure with a caption. */
  public static String figure(BufferedImage im, String caption) {
    return "<figure><img src=\"" + Charts.dataUri(im) + "\" width=\"" + im.getWidth() + "\" height=\"" + im.getHeight()
        + "\" alt=\"" + esc(caption) + "\"><figcaption>" + esc(caption) + "</figcaption></figure>\n";
  }

  /** Rejects grouped by job and reason, or a line saying there are none. */
  public static String rejects(List<LakeStats.RejectCount> rejects) {
    if (rejects.isEmpty()) return "<p>No rejects: every input was taken.</p>\n";
    List<List<?>> rows = new java.util.ArrayList<>();
    rows.add(List.of("job", "reason", "rejects"));
    for (LakeStats.RejectCount r : rejects) rows.add(List.of(r.job(), r.reason(), r.count()));
    return table(rows);
  }

  /** The packing stages' figures, one row per stage. */
  public static String stages(List<LakeStats.Stage> stages) {
    List<List<?>> rows = new java.util.ArrayList<>();
    rows.add(List.of("stage", "seq_len", "rows", "fill rate", "segments / row", "text positions", "vision positions", "loss positions"));
    for (LakeStats.Stage s : stages) {
      rows.add(List.of(s.stage(), s.seqLen(), s.rows(), String.format(java.util.Locale.ROOT, "%.4f", s.fillRate()),
          String.format(java.util.Locale.ROOT, "%.2f", s.meanSegments()), s.textPositions(), s.visionPositions(), s.lossPositions()));
    }
    return table(rows);
  }

  /** Named counts as a two-column table. */
  public static String counts(String key, String value, java.util.Map<String, ?> counts) {
    List<List<?>> rows = new java.util.ArrayList<>();
    rows.add(List.of(key, value));
    counts.forEach((k, v) -> rows.add(List.of(k, v)));
    return table(rows);
  }
}
