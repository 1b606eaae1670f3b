package dev.ensemble.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ensemble.support.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Redis bus against a real Redis: what Redis is told matches who listens, under churn too. */
class RedisBusTest {
  private static final String PREFIX = "ensemble:";
  private TestRedis redis;
  private Vertx vertx;
  private RedisBus bus;
  private Redis inspector;

  @BeforeEach
  void start() throws Exception {
    redis = TestRedis.shared("the Redis bus test");
    vertx = Vertx.vertx();
    bus = await(RedisBus.connect(vertx, redis.url()));
    inspector = Redis.createClient(vertx, redis.url());
  }

  @AfterEach
  void stop() throws Exception {
    await(bus.close());
    inspector.close();
    await(vertx.close());
    redis.close();
  }

  @Test
  void aTopicIsFollowedExactlyWhileItHasHandlers() throws Exception {
    String topic = "bus-test-" + System.nanoTime();
    Bus.Subscription first = await(bus.subscribe(topic, payload -> {}));
    Bus.Subscription second = await(bus.subscribe(topic, payload -> {}));
    assertEquals(1, subscribers(topic));
    await(first.cancel());
    assertEquals(1, subscribers(topic), "one handler is left");
    await(second.cancel());
    assertEquals(0, subscribers(topic), "no handler is left: Redis should stop sending");
  }

  /**
   * The last handler of a topic leaves while a new one arrives, from two threads at once, many
   * times over: each time the new handler must receive what is published next, and once it has
   * left too the node must have stopped listening.
   */
  @Test
  void aHandlerArrivingAsTheLastOneLeavesStillReceives() throws Exception {
    for (int round = 0; round < 300; round++) {
      String topic = "bus-race-" + System.nanoTime() + "-" + round;
      Bus.Subscription leaving = await(bus.subscribe(topic, payload -> {}));
      CompletableFuture<String> received = new CompletableFuture<>();
      CountDownLatch go = new CountDownLatch(1);
      CompletableFuture<Bus.Subscription> arriving = new CompletableFuture<>();
      CompletableFuture<Void> left = new CompletableFuture<>();
      Thread arrive = new Thread(() -> {
        awaitQuietly(go);
        bus.subscribe(topic, payload -> received.complete(new String(payload, StandardCharsets.UTF_8)))
            .onComplete(ar -> {
              if (ar.succeeded()) {
                arriving.complete(ar.result());
              } else {
                arriving.completeExceptionally(ar.cause());
              }
            });
      });
      Thread leave = new Thread(() -> {
        awaitQuietly(go);
        leaving.cancel().onComplete(ar -> left.complete(null));
      });
      arrive.start();
      leave.start();
      go.countDown();
      Bus.Subscription stays = arriving.get(10, TimeUnit.SECONDS);
      left.get(10, TimeUnit.SECONDS);
      // Both commands have been answered; what Redis now holds is what it will keep.
      assertEquals(1, subscribers(topic), "round " + round + ": the arriving handler's topic was given up");
      await(bus.publish(topic, ("round " + round).getBytes(StandardCharsets.UTF_8)));
      assertEquals("round " + round, received.get(5, TimeUnit.SECONDS));
      await(stays.cancel());
      assertEquals(0, subscribers(topic), "round " + round + ": still listening with no handler");
    }
  }

  private long subscribers(String topic) throws Exception {
    Response r = await(inspector.send(Request.cmd(Command.PUBSUB).arg("NUMSUB").arg(PREFIX + topic)));
    return r.get(1).toLong();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      assertTrue(latch.await(10, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
