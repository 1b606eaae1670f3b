package dev.ensemble.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Bus} between nodes over Redis pub/sub: channel {@code ensemble:<topic>}, the payload
 * as published. Publishing uses the client's pool; one dedicated connection holds the
 * subscriptions. Pub/sub loses what is sent while a subscriber is disconnected, so after
 * reconnecting and subscribing again the bus tells its {@link #onGap gap listeners}, which catch
 * up from the store.
 */
public final class RedisBus implements Bus {
  private static final Logger log = LoggerFactory.getLogger(RedisBus.class);
  private static final String PREFIX = "ensemble:";
  private static final long MAX_BACKOFF_MS = 5_000;

  private final Vertx vertx;
  private final Redis redis;
  private final String nodeId = UUID.randomUUID().toString();
  private final Map<String, List<Consumer<byte[]>>> topics = new ConcurrentHashMap<>();
  private final List<Runnable> gapListeners = new CopyOnWriteArrayList<>();
  /** Held while deciding and sending SUBSCRIBE/UNSUBSCRIBE, and while a new subscriber takes over. */
  private final Object following = new Object();
  private volatile RedisConnection subscriber;
  private volatile boolean closed;

  private RedisBus(Vertx vertx, Redis redis) {
    this.vertx = vertx;
    this.redis = redis;
  }

  /** Connects (and fails when Redis cannot be reached now). */
  public static Future<RedisBus> connect(Vertx vertx, String url) {
    Redis redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(url).setMaxPoolWaiting(1024));
    RedisBus bus = new RedisBus(vertx, redis);
    return bus.openSubscriber().map(bus).recover(e -> redis.close().transform(x -> Future.failedFuture(
        new IllegalStateException("cannot connect to Redis at " + redacted(url) + ": " + e.getMessage(), e))));
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public Future<Void> publish(String topic, byte[] payload) {
    return redis.send(Request.cmd(Command.PUBLISH).arg(PREFIX + topic).arg(Buffer.buffer(payload))).mapEmpty();
  }

  @Override
  public Future<Subscription> subscribe(String topic, Consumer<byte[]> handler) {
    // Added inside compute: a cancel emptying the topic's list at this moment cannot drop it.
    topics.compute(topic, (t, list) -> {
      List<Consumer<byte[]>> handlers = list == null ? new CopyOnWriteArrayList<>() : list;
      handlers.add(handler);
      return handlers;
    });
    Future<Void> subscribed = follow(topic).recover(e -> {
      log.warn("subscribing to {} failed: {}", topic, e.toString());
      return Future.succeededFuture(); // the reconnect will subscribe it
    });
    return subscribed.map(v -> () -> {
      boolean last = topics.computeIfPresent(topic, (t, list) -> {
        list.remove(handler);
        return list.isEmpty() ? null : list;
      }) == null;
      return last ? follow(topic).otherwiseEmpty() : Future.<Void>succeededFuture();
    });
  }

  /**
   * Tells Redis whether this node listens to the topic, as it stands when the command is sent:
   * with handlers SUBSCRIBE, without UNSUBSCRIBE. Deciding and sending under one lock keeps the
   * commands in the order of the decisions, so the last one sent matches the last change (a
   * cancel deciding to unsubscribe can no longer overtake a subscribe that came after it).
   * Subscribing twice is harmless; when disconnected, the reconnect subscribes every topic.
   */
  private Future<Void> follow(String topic) {
    synchronized (following) {
      RedisConnection c = subscriber;
      if (c == null) {
        return Future.succeededFuture();
      }
      Command command = topics.containsKey(topic) ? Command.SUBSCRIBE : Command.UNSUBSCRIBE;
      return c.send(Request.cmd(command).arg(PREFIX + topic)).mapEmpty();
    }
  }

  @Override
  public void onGap(Runnable listener) {
    gapListeners.add(listener);
  }

  @Override
  public Future<Void> close() {
    closed = true;
    RedisConnection c = subscriber;
    subscriber = null;
    return (c == null ? Future.<Void>succeededFuture() : c.close().otherwiseEmpty()).transform(x -> redis.close());
  }

  private Future<Void> openSubscriber() {
    return redis.connect().compose(conn -> {
      conn.handler(this::onMessage);
      conn.exceptionHandler(e -> lost(conn, e.toString()));
      conn.endHandler(v -> lost(conn, "connection closed"));
      List<String> wanted = List.copyOf(topics.keySet());
      Future<Void> all = Future.succeededFuture();
      if (!wanted.isEmpty()) {
        Request sub = Request.cmd(Command.SUBSCRIBE);
        wanted.forEach(t -> sub.arg(PREFIX + t));
        all = conn.send(sub).mapEmpty();
      }
      return all.onSuccess(v -> {
        synchronized (following) {
          subscriber = conn;
          // Topics taken up or given up while this connection was being set up.
          topics.keySet().stream().filter(t -> !wanted.contains(t))
              .forEach(t -> conn.send(Request.cmd(Command.SUBSCRIBE).arg(PREFIX + t)));
          wanted.stream().filter(t -> !topics.containsKey(t))
              .forEach(t -> conn.send(Request.cmd(Command.UNSUBSCRIBE).arg(PREFIX + t)));
        }
      }).onFailure(e -> conn.close());
    });
  }

  private void onMessage(Response message) {
    // ["message", channel, payload], as a RESP3 push or a RESP2 array.
    if (message.size() < 3 || !"message".equalsIgnoreCase(message.get(0).toString())) {
      return;
    }
    String channel = message.get(1).toString();
    if (!channel.startsWith(PREFIX)) {
      return;
    }
    List<Consumer<byte[]>> handlers = topics.get(channel.substring(PREFIX.length()));
    if (handlers == null) {
      return;
    }
    byte[] payload = message.get(2).toBuffer().getBytes();
    for (Consumer<byte[]> h : handlers) {
      try {
        h.accept(payload);
      } catch (RuntimeException e) {
        log.warn("bus handler of {} failed", channel, e);
      }
    }
  }

  private void lost(RedisConnection conn, String why) {
    if (closed || subscriber != conn) {
      return;
    }
    subscriber = null;
    log.warn("Redis subscription connection lost ({}); reconnecting", why);
    conn.close();
    reconnect(100);
  }

  private void reconnect(long delayMs) {
    if (closed) {
      return;
    }
    vertx.setTimer(delayMs, t -> openSubscriber()
        .onSuccess(v -> {
          log.info("Redis subscriptions restored");
          gapListeners.forEach(Runnable::run);
        })
        .onFailure(e -> {
          log.warn("reconnecting to Redis failed: {}", e.toString());
          reconnect(Math.min(MAX_BACKOFF_MS, delayMs * 2));
        }));
  }

  /** The URL without its password, for messages. */
  private static String redacted(String url) {
    return url.replaceFirst("//[^@/]*@", "//***@");
  }
}
