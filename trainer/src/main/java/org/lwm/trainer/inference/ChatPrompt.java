package org.lwm.trainer.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lwm.core.cli.UserError;
import org.lwm.core.records.ChatTemplate;
import org.lwm.core.tokenizer.SentencePieceTokenizer;

/**
 * A conversation ending with the user's turn as the ids the model was trained on (DESIGN §9 through core's
 * {@link ChatTemplate}): BOS, then each prompt and answer field encoded alone, the last prompt ending in
 * "ASSISTANT:" where the reply begins. Training puts no EOS between turns, so a reply also ends where the model
 * starts the next "USER:" ({@link #cut}).
 */
public final class ChatPrompt {
  public static final String NEXT_TURN = "USER:";

  private ChatPrompt() {}

  public static int[] tokens(SentencePieceTokenizer tok, List<String> roles, List<String> contents) {
    if (roles.isEmpty()) throw new UserError("a chat needs at least one message");
    String last = roles.get(roles.size() - 1);
    if (last == null || !(last.equalsIgnoreCase("user") || last.equalsIgnoreCase("human"))) {
      throw new UserError("the last message must be the user's (role 'user'), not '" + last + "'");
    }
    List<String> r = new ArrayList<>(roles), c = new ArrayList<>(contents);
    r.add("assistant");
    c.add("");
    ChatTemplate.Formatted f;
    try {
      f = ChatTemplate.chat(r, c);
    } catch (ChatTemplate.UnknownRole e) {
      throw new UserError(e.getMessage());
    }
    List<Integer> ids = new ArrayList<>();
    ids.add(tok.bosId());
    List<Map.Entry<String, String>> parts = new ArrayList<>(f.parts().entrySet());
    for (int i = 0; i < parts.size() - 1; i++) for (int id : tok.encode(parts.get(i).getValue())) ids.add(id);
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  /** A plain prompt for continuation: BOS, then the text's ids. */
  public static int[] plain(SentencePieceTokenizer tok, String text) {
    int[] ids = tok.encode(text);
    int[] out = new int[ids.length + 1];
    out[0] = tok.bosId();
    System.arraycopy(ids, 0, out, 1, ids.length);
    return out;
  }

  /** The reply up to where the model begins the user's next turn, stripped. */
  public static String cut(String reply) {
    int at = reply.indexOf(NEXT_TURN);
    return (at >= 0 ? reply.substring(0, at) : reply).strip();
  }
}
