package org.lwm.orchestration.report;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.lwm.core.tokenizer.SentencePieceTokenizer;

/**
 * One row of {@code examples} rendered as HTML the way the trainer sees it: runs of tokens decoded by the
 * tokenizer, prompt tokens (loss mask 0) in grey and trained tokens (loss mask 1) in bold green, vision spans as
 * a count of codes; runs longer than {@code maxChars} keep their start and end.
 */
public final class ExampleView {
  private ExampleView() {}

  public static String html(SentencePieceTokenizer tok, Row example, int maxChars) {
    List<Integer> ids = example.getList(example.fieldIndex("tokens"));
    List<Float> loss = example.getList(example.fieldIndex("loss_mask"));
    List<Boolean> vision = example.getList(example.fieldIndex("vision_mask"));
    StringBuilder b = new StringBuilder("<div style=\"font-family:monospace;white-space:pre-wrap;font-size:12px;"
        + "border:1px solid #ccc;padding:8px;max-width:900px\">");
    b.append("<b>").append(Html.esc(example.getString(example.fieldIndex("task")))).append("</b> · ").append(ids.size())
        .append(" tokens · <span style=\"color:#888\">grey: prompt (no loss)</span> · <span style=\"color:#1a7f37;font-weight:bold\">green: trained</span>\n");
    int i = 0;
    while (i < ids.size()) {
      boolean trained = loss.get(i) > 0;
      boolean vis = vision.get(i);
      List<Integer> run = new ArrayList<>();
      while (i < ids.size() && (loss.get(i) > 0) == trained && vision.get(i) == vis) run.add(ids.get(i++));
      String text = vis ? "[" + run.size() + " vision tokens]" : tok.decode(run.stream().mapToInt(Integer::intValue).toArray());
      if (text.length() > maxChars) {
        text = text.substring(0, maxChars / 2) + " … [" + (text.length() - maxChars) + " characters] … " + text.substring(text.length() - maxChars / 2);
      }
      b.append(trained ? "<span style=\"color:#1a7f37;font-weight:bold\">" : "<span style=\"color:#888\">").append(Html.esc(text)).append("</span>");
    }
    return b.append("</div>").toString();
  }
}
