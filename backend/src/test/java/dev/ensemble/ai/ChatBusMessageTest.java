package dev.ensemble.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.AiProvider.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What nodes send each other about answers reads back as it was written, and nothing else reads at all. */
class ChatBusMessageTest {
  private static final UUID THREAD = UUID.randomUUID();
  private static final UUID MESSAGE = UUID.randomUUID();

  @Test
  void everyMessageReadsBackAsWritten() {
    List<ChatBusMessage> messages = List.of(
        new ChatBusMessage.Started("n1", THREAD, MESSAGE, 1, UUID.randomUUID(), "coder",
            Optional.of(new JsonArray().add(new JsonObject().put("kind", "file").put("path", "a.py")))),
        new ChatBusMessage.Started("n1", THREAD, MESSAGE, 1, UUID.randomUUID(), "coder", Optional.empty()),
        new ChatBusMessage.Tokens("n1", THREAD, MESSAGE, 7, 2, 1040, "héllo→😀 \"x\"\n"),
        new ChatBusMessage.Step("n1", THREAD, MESSAGE, 8, new JsonObject().put("kind", "tool").put("status", "pending")),
        new ChatBusMessage.StepInStore("n1", THREAD, MESSAGE, 9, UUID.randomUUID(), true),
        new ChatBusMessage.Done("n1", THREAD, MESSAGE, 10, 2, 1052, MessageStatus.PARTIAL, new Usage(10, 20, true),
            Optional.of("alice"), new JsonObject().put("proposals", new JsonArray())),
        new ChatBusMessage.Failed("n1", THREAD, MESSAGE, 11, 0, 0, "ai_provider_rate_limited", "slow down",
            Optional.of(30L)),
        new ChatBusMessage.StopRequest("n2", "r1", THREAD, true, "bob"),
        new ChatBusMessage.StopReply("n1", "r1", true),
        new ChatBusMessage.DecideRequest("n2", "r2", UUID.randomUUID(), THREAD, UUID.randomUUID(), true,
            UUID.randomUUID(), "bob", Optional.of("looks right → ship it 😀")),
        new ChatBusMessage.DecideRequest("n2", "r3", UUID.randomUUID(), THREAD, UUID.randomUUID(), false,
            UUID.randomUUID(), "bob", Optional.empty()),
        new ChatBusMessage.DecideReply("n1", "r2", 200, new JsonObject().put("id", UUID.randomUUID().toString())
            .put("status", "running").put("decision", "approved").put("decidedByName", "bob")),
        new ChatBusMessage.DecideReply("n1", "r3", 409, new JsonObject().put("code", "ai_step_not_pending")
            .put("message", "this step is not waiting for approval")),
        new ChatBusMessage.DecideReply("n1", "r4", ChatBusMessage.DecideReply.NO_AGENT_RUN, new JsonObject()));
    for (ChatBusMessage m : messages) {
      assertEquals(Optional.of(m), ChatBusMessage.decode(ChatBusMessage.encode(m)));
    }
  }

  @Test
  void aDecisionCutShortIsIgnored() {
    byte[] request = ChatBusMessage.encode(new ChatBusMessage.DecideRequest("n2", "r2", UUID.randomUUID(), THREAD,
        UUID.randomUUID(), true, UUID.randomUUID(), "bob", Optional.of("fine")));
    assertEquals(Optional.empty(), ChatBusMessage.decode(Arrays.copyOf(request, request.length - 1)));
    byte[] reply = ChatBusMessage.encode(new ChatBusMessage.DecideReply("n1", "r2", 200, new JsonObject().put("id", "x")));
    assertEquals(Optional.empty(), ChatBusMessage.decode(Arrays.copyOf(reply, reply.length - 3)));
  }

  @Test
  void damagedOrUnknownPayloadsAreIgnored() {
    byte[] tokens = ChatBusMessage.encode(new ChatBusMessage.Tokens("n1", THREAD, MESSAGE, 3, 0, 0, "text"));
    assertEquals(Optional.empty(), ChatBusMessage.decode(Arrays.copyOf(tokens, tokens.length - 2)));
    assertEquals(Optional.empty(), ChatBusMessage.decode(new byte[] {99, 0, 0}));
    assertEquals(Optional.empty(), ChatBusMessage.decode(new byte[0]));
  }

  @Test
  void longTextIsCutWithinTheBudgetAndNeverInsideACharacter() {
    String text = "a😀é→".repeat(1000);
    int from = 0;
    StringBuilder joined = new StringBuilder();
    while (from < text.length()) {
      int to = ChatBroadcast.cut(text, from, 101);
      String piece = text.substring(from, to);
      assertTrue(piece.getBytes(StandardCharsets.UTF_8).length <= 101, piece);
      assertTrue(!Character.isHighSurrogate(piece.charAt(piece.length() - 1)), "no half character at the end");
      joined.append(piece);
      from = to;
    }
    assertEquals(text, joined.toString());
  }
}
