package dev.ensemble.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.AiProvider.Failure;
import dev.ensemble.ai.AiProvider.Prompt;
import dev.ensemble.ai.AiProvider.Speaker;
import dev.ensemble.ai.AiProvider.Turn;
import dev.ensemble.ai.AiProvider.Usage;
import dev.ensemble.ai.support.OpenAiWire;
import dev.ensemble.ai.support.ProviderStandIn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Every participant's listener sees the same answer, token for token, in the same order. */
class ChatFanOutTest {

  @Test
  void twoListenersOfAProjectReceiveIdenticalTokenSequences() throws Exception {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      tokens.add("t" + i + (i % 7 == 0 ? "\n" : " "));
    }
    UUID project = UUID.randomUUID();
    UUID thread = UUID.randomUUID();
    UUID message = UUID.randomUUID();
    ChatFanOut fanOut = new ChatFanOut();
    List<ChatEvent> alice = Collections.synchronizedList(new ArrayList<>());
    List<ChatEvent> bob = Collections.synchronizedList(new ArrayList<>());
    List<ChatEvent> elsewhere = Collections.synchronizedList(new ArrayList<>());
    fanOut.subscribe(project, alice::add);
    AutoCloseable bobs = fanOut.subscribe(project, bob::add);
    fanOut.subscribe(UUID.randomUUID(), elsewhere::add);

    try (ProviderStandIn standIn = ProviderStandIn.start()) {
      standIn.enqueue(OpenAiWire.answer(tokens, 10, 200));
      Langchain4jProvider provider = new Langchain4jProvider(
          new AiSettings.Endpoint(AiSettings.ProviderKind.OPENAI_COMPATIBLE, java.net.URI.create(standIn.baseUrl()), Optional.empty()),
          Duration.ofSeconds(30));
      ChatStreamListener publish = fanOut.forProject(project);
      CompletableFuture<Usage> done = new CompletableFuture<>();
      // the provider calls back on its own thread, one callback at a time, in stream order
      provider.stream(
          new Prompt("m", 100, "system", List.of(new Turn(Speaker.USER, "go"))),
          new AiProvider.Observer() {
            @Override
            public void token(String text) {
              publish.onEvent(new ChatEvent.Token(thread, message, text));
            }

            @Override
            public void completed(Usage usage) {
              publish.onEvent(new ChatEvent.Done(thread, message, MessageStatus.COMPLETE, usage, Optional.empty()));
              done.complete(usage);
            }

            @Override
            public void failed(Failure failure) {
              done.completeExceptionally(new AssertionError(failure.toString()));
            }
          });
      assertEquals(200, done.get(20, TimeUnit.SECONDS).completionTokens());
    }

    assertEquals(alice, bob, "both listeners saw the same events");
    List<String> seen = alice.stream()
        .filter(e -> e instanceof ChatEvent.Token).map(e -> ((ChatEvent.Token) e).text()).toList();
    assertEquals(tokens, seen);
    assertTrue(alice.get(alice.size() - 1) instanceof ChatEvent.Done);
    assertEquals(List.of(), elsewhere, "other projects hear nothing");

    bobs.close();
    fanOut.forProject(project).onEvent(new ChatEvent.Token(thread, message, "after"));
    assertEquals(alice.size() - 1, bob.size(), "an unsubscribed listener hears no more");
  }
}
