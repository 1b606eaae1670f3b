package dev.ensemble.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.ai.AnswerControl.RemoteDecision;
import dev.ensemble.cluster.Bus;
import dev.ensemble.cluster.LocalBus;
import dev.ensemble.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Deciding an agent step from another node, over one in-process bus seen by two nodes: what the
 * asker gets back when the running node decides, refuses, runs a chat answer or is gone, and how
 * decisions and steps are kept within the message budget.
 */
class AnswerControlTest {
  private static final int BUDGET = 4096;
  private final Vertx vertx = Vertx.vertx();
  private final LocalBus shared = new LocalBus();
  private final AnswerControl running = new AnswerControl(vertx, node("a"), Duration.ofSeconds(2), BUDGET);
  private final AnswerControl asking = new AnswerControl(vertx, node("b"), Duration.ofSeconds(2), BUDGET);
  private final UUID thread = UUID.randomUUID();

  @AfterEach
  void close() {
    vertx.close();
  }

  @Test
  void theRunningNodeDecidesAndTheAskerGetsTheStep() throws Exception {
    AtomicReference<RemoteDecision> seen = new AtomicReference<>();
    try (AnswerControl.Hosted hosted = running.host(thread, AnswerControl.Handlers.agent(
        u -> Future.succeededFuture(true),
        d -> {
          seen.set(d);
          return Future.succeededFuture(new JsonObject().put("id", d.stepId().toString()).put("status", "running"));
        }))) {
      await(hosted.ready());
      RemoteDecision d = decision(Optional.of("fine"));
      Optional<JsonObject> step = await(asking.requestDecision(thread, d));
      assertEquals("running", step.orElseThrow().getString("status"));
      assertEquals(d, seen.get(), "the deciding user and reason arrive as sent");
    }
  }

  @Test
  void aRefusalReachesTheAskerAsTheSameError() throws Exception {
    try (AnswerControl.Hosted hosted = running.host(thread, AnswerControl.Handlers.agent(
        u -> Future.succeededFuture(true),
        d -> Future.failedFuture(ApiException.conflict("ai_step_not_pending", "this step is not waiting for approval"))))) {
      await(hosted.ready());
      ApiException e = failure(asking.requestDecision(thread, decision(Optional.empty())));
      assertEquals(409, e.status());
      assertEquals("ai_step_not_pending", e.code());
      assertEquals("this step is not waiting for approval", e.getMessage());
    }
  }

  @Test
  void aChatAnswerHasNoStepToDecide() throws Exception {
    try (AnswerControl.Hosted hosted = running.host(thread, AnswerControl.Handlers.chat(u -> Future.succeededFuture(true)))) {
      await(hosted.ready());
      assertEquals(Optional.empty(), await(asking.requestDecision(thread, decision(Optional.empty()))));
      assertTrue(await(asking.requestStop(thread, false, "bob")), "stopping it still works");
    }
  }

  @Test
  void nobodyAnsweringInTimeIsServiceUnavailable() throws Exception {
    ApiException e = failure(asking.requestDecision(thread, decision(Optional.empty())));
    assertEquals(503, e.status());
    assertEquals("ai_agent_unreachable", e.code());
    assertFalse(await(asking.requestStop(thread, true, "bob")));
  }

  @Test
  void aLongReasonIsCutToTheBudgetAndALargeStepComesBackWithoutItsArguments() throws Exception {
    AtomicReference<RemoteDecision> seen = new AtomicReference<>();
    String content = "x".repeat(BUDGET * 2);
    try (AnswerControl.Hosted hosted = running.host(thread, AnswerControl.Handlers.agent(
        u -> Future.succeededFuture(true),
        d -> {
          seen.set(d);
          return Future.succeededFuture(new JsonObject().put("id", d.stepId().toString())
              .put("arguments", new JsonObject().put("content", content)));
        }))) {
      await(hosted.ready());
      String reason = "é😀".repeat(2000);
      Optional<JsonObject> step = await(asking.requestDecision(thread, decision(Optional.of(reason))));
      assertFalse(step.orElseThrow().containsKey("arguments"));
      String arrived = seen.get().reason().orElseThrow();
      assertTrue(reason.startsWith(arrived) && arrived.length() < reason.length(), "cut, at a whole character");
      assertFalse(Character.isHighSurrogate(arrived.charAt(arrived.length() - 1)));
      assertTrue(arrived.getBytes(StandardCharsets.UTF_8).length > BUDGET - 300, "cut no more than needed");
    }
  }

  private RemoteDecision decision(Optional<String> reason) {
    return new RemoteDecision(UUID.randomUUID(), UUID.randomUUID(), true, UUID.randomUUID(), "bob", reason);
  }

  /** One node's view of the shared bus. */
  private Bus node(String id) {
    return new Bus() {
      @Override
      public String nodeId() {
        return id;
      }

      @Override
      public Future<Void> publish(String topic, byte[] payload) {
        return shared.publish(topic, payload);
      }

      @Override
      public Future<Subscription> subscribe(String topic, Consumer<byte[]> handler) {
        return shared.subscribe(topic, handler);
      }
    };
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private static ApiException failure(Future<?> f) throws Exception {
    try {
      await(f);
    } catch (ExecutionException e) {
      return (ApiException) e.getCause();
    }
    throw new AssertionError("it succeeded");
  }
}
