package org.lwm.packing.format;

import java.io.Serializable;
import java.util.Map;

/**
 * One example before formatting, in LWM's own terms: its fields (name → text, {@link TextIds} or vision codes
 * {@code int[]}) and the fields spec that formats them. The {@code examples} builders make these from lake rows;
 * the formatter turns them into {@link FormattedExample}s and the LWM export writes them as JSON lines.
 */
public record SourceRecord(String id, String task, String fields, Map<String, Object> values) implements Serializable {

  public FormattedExample format(ExampleFormatter formatter) {
    return formatter.format(id, task, values::get, FieldsSpec.parse(fields, true));
  }
}
