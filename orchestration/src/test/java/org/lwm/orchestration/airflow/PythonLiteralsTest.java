package org.lwm.orchestration.airflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PythonLiteralsTest {
  @Test
  void pythonReadsBackEveryStringExactly() throws Exception {
    List<String> nasty = List.of("", "plain", "it's", "\"double\"", "back\\slash\\", "new\nline\r\n", "tab\there", "\u0000nul\u001f\u007f",
        "é ü 中文 \u2028 \uFEFF", "emoji \uD83D\uDE00", "'''triple'''", "{{ params.lake }}", "\\x41 is not A", "end\\");
    StringBuilder src = new StringBuilder("import ast, json, sys\nlits = [\n");
    for (String s : nasty) src.append("    ").append(PythonLiterals.str(s)).append(",\n");
    src.append("]\njson.dump(lits, sys.stdout, ensure_ascii=True)\n");
    for (String s : nasty) assertTrue(PythonLiterals.str(s).chars().allMatch(c -> c >= 0x20 && c < 0x7f), "ASCII only: " + PythonLiterals.str(s));
    Python.Result r = Python.run(src.toString(), "-");
    assertEquals(0, r.code(), r.out());
    List<?> back = new ObjectMapper().readValue(r.out(), List.class);
    assertEquals(nasty, back);
  }

  @Test
  void dictsAndListsAreLiterals() throws Exception {
    String src = "import ast, json, sys\njson.dump([ast.literal_eval(" + PythonLiterals.str(PythonLiterals.dict(Map.of("k'", "v\n")))
        + "), ast.literal_eval(" + PythonLiterals.str(PythonLiterals.list(List.of("a", "b'"))) + ")], sys.stdout)\n";
    Python.Result r = Python.run(src, "-");
    assertEquals(0, r.code(), r.out());
    assertEquals(List.of(Map.of("k'", "v\n"), List.of("a", "b'")), new ObjectMapper().readValue(r.out(), List.class));
  }

  @Test
  void identifiersAreDistinctAndValid() {
    Set<String> taken = new HashSet<>();
    List<String> got = new ArrayList<>();
    for (String id : List.of("pack-2k", "pack_2k", "2k", "class", "dag", "a.b")) got.add(PythonLiterals.identifier(id, taken));
    assertEquals(List.of("pack_2k", "pack_2k_2", "task_2k", "task_class", "task_dag", "a_b"), got);
  }
}
