package dev.ensemble.ai.context;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.List;

/**
 * Turns text into vectors with the all-MiniLM-L6-v2 ONNX model that langchain4j bundles: in
 * process, no network. Inference is CPU-bound JNI work, so it runs on one worker thread of its
 * own (never an event loop, and never more than one core). The model loads on first use.
 */
public final class TextEmbedder implements AutoCloseable {
  private final WorkerExecutor worker;
  private EmbeddingModel model;

  public TextEmbedder(Vertx vertx) {
    this.worker = vertx.createSharedWorkerExecutor("ensemble-embeddings", 1);
  }

  /** Unit-length vectors of the texts, in order. */
  public Future<List<float[]>> embed(List<String> texts) {
    if (texts.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return worker.executeBlocking(() -> {
      List<Embedding> out = model().embedAll(texts.stream().map(TextSegment::from).toList()).content();
      return out.stream().map(e -> {
        e.normalize();
        return e.vector();
      }).toList();
    }, true);
  }

  private EmbeddingModel model() {
    if (model == null) {
      // the only thread that touches it; a direct executor keeps a batch on this thread too
      model = new AllMiniLmL6V2EmbeddingModel(Runnable::run);
    }
    return model;
  }

  @Override
  public void close() {
    worker.close();
  }
}
