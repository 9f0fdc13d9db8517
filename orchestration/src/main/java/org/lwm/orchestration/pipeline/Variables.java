package org.lwm.orchestration.pipeline;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.lwm.core.cli.UserError;

/**
 * The variables a pipeline's string values may use, {@code ${lake}}, {@code ${run_date}} and {@code ${params.NAME}},
 * and what they become: values for a run ({@link #values}), or Airflow templates for a DAG ({@link #airflow}), where
 * the literal text around them is protected from Jinja. {@code $${} writes a literal {@code ${}.
 */
public final class Variables {
  private final Map<String, String> values;
  private final UnaryOperator<String> literal;

  private Variables(Map<String, String> values, UnaryOperator<String> literal) {
    this.values = values;
    this.literal = literal;
  }

  /** Values for a run: the lake root, the run date (YYYY-MM-DD) and each param's value. */
  public static Variables values(String lake, String runDate, Map<String, String> params) {
    Map<String, String> v = new TreeMap<>();
    if (lake != null) v.put("lake", lake);
    if (runDate != null) v.put("run_date", runDate);
    params.forEach((k, val) -> v.put("params." + k, val));
    return new Variables(v, UnaryOperator.identity());
  }

  /**
   * Airflow templates: {@code ${lake}} and {@code ${params.X}} read the DAG run's params (so a manual trigger can
   * change them), {@code ${run_date}} is the run's logical date {@code {{ ds }}}. {@code params} names the DAG's
   * params ({@code lake} among them).
   */
  public static Variables airflow(Iterable<String> params) {
    Map<String, String> v = new TreeMap<>();
    v.put("lake", "{{ params.lake }}");
    v.put("run_date", "{{ ds }}");
    for (String p : params) v.put("params." + p, "{{ params." + p + " }}");
    return new Variables(v, Variables::jinjaLiteral);
  }

  /** {@code value} with every variable replaced; {@code where} names the value in the one-line error. */
  public String apply(String value, String where) {
    if (value == null) return null;
    StringBuilder out = new StringBuilder();
    StringBuilder text = new StringBuilder();
    int i = 0;
    while (i < value.length()) {
      if (value.startsWith("$${", i)) {
        text.append("${");
        i += 3;
      } else if (value.startsWith("${", i)) {
        int end = value.indexOf('}', i + 2);
        if (end < 0) throw new UserError(where + ": unclosed ${ in '" + value + "' (write $${ for a literal ${)");
        String name = value.substring(i + 2, end).strip();
        String v = values.get(name);
        if (v == null) throw new UserError(where + ": unknown variable ${" + name + "} (known: " + known() + ")");
        out.append(literal.apply(text.toString())).append(v);
        text.setLength(0);
        i = end + 1;
      } else {
        text.append(value.charAt(i++));
      }
    }
    return out.append(literal.apply(text.toString())).toString();
  }

  private String known() {
    StringBuilder sb = new StringBuilder();
    for (String k : values.keySet()) sb.append(sb.length() == 0 ? "" : ", ").append("${").append(k).append('}');
    if (values.keySet().stream().noneMatch(k -> k.startsWith("params."))) sb.append("; ${params.NAME} for a name declared under params");
    return sb.toString();
  }

  /** Text taken as written (e.g. a {@code --set} value) as it must appear in a DAG for Airflow to pass it on unchanged. */
  public static String airflowLiteral(String s) {
    return jinjaLiteral(s);
  }

  /**
   * Literal text Jinja would otherwise read as a template ({{, {%, {#, or a trailing { that would join the template
   * after it) goes inside {% raw %}.
   */
  static String jinjaLiteral(String s) {
    if (!(s.contains("{{") || s.contains("{%") || s.contains("{#") || s.endsWith("{"))) return s;
    return "{% raw %}" + s.replace("{% endraw %}", "{% endraw %}{{ '{% endraw %}' }}{% raw %}") + "{% endraw %}";
  }
}
