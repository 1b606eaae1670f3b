package dev.ensemble.runs;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for a Kubernetes cluster: fabric8's mock API server, a local HTTP server speaking the
 * Kubernetes REST and watch protocol, in CRUD mode (objects created through it are stored, listed
 * and watched). It has no controllers and no kubelet, so the tests play their part: they create
 * the pod a Job controller would, set the statuses a kubelet would, and give the pod's log as an
 * expectation on its log endpoint.
 */
final class MockCluster implements AutoCloseable {
  static final String NAMESPACE = "ensemble-runs";

  private final KubernetesMockServer server;
  private final NamespacedKubernetesClient client;

  MockCluster() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
        new KubernetesMixedDispatcher(responses), false);
    server.init();
    client = server.createClient();
  }

  /** The API server's URL, for ENSEMBLE_RUN_K8S_API_URL. */
  String url() {
    return "http://" + server.getHostName() + ":" + server.getPort();
  }

  NamespacedKubernetesClient client() {
    return client;
  }

  /** Settings for the executor against this cluster. */
  KubernetesRunSettings settings(String serverUrl, Duration startTimeout) {
    return new KubernetesRunSettings(Optional.of(java.net.URI.create(url())), NAMESPACE, "python:3.12-slim",
        "busybox:1.37", java.net.URI.create(serverUrl), Optional.empty(), 61000, "250m", "1",
        Duration.ofSeconds(300), startTimeout, Map.of("ensemble.dev/runs", "true"),
        List.of(new KubernetesRunSettings.Toleration("ensemble.dev/runs", Optional.of("true"), Optional.of("NoSchedule"))));
  }

  /** The run's Job once it exists. */
  Job awaitJob(String runId) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      Job job = job(runId);
      if (job != null) {
        return job;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no Job for run " + runId);
  }

  Job job(String runId) {
    return client.batch().v1().jobs().inNamespace(NAMESPACE).withName("ensemble-run-" + runId).get();
  }

  /** Waits until the run's Job is gone. */
  boolean awaitNoJob(String runId) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (job(runId) == null) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }

  /** Creates the Job's pod as the Job controller would (its template's labels, a generated name). */
  Pod createPod(Job job) {
    Map<String, String> labels = new LinkedHashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
    labels.put("job-name", job.getMetadata().getName());
    Pod pod = new PodBuilder()
        .withNewMetadata().withName(job.getMetadata().getName() + "-x7k2p").withNamespace(NAMESPACE)
            .withLabels(labels).endMetadata()
        .withSpec(job.getSpec().getTemplate().getSpec())
        .withNewStatus().withPhase("Pending").endStatus()
        .build();
    return client.pods().inNamespace(NAMESPACE).resource(pod).create();
  }

  /** Sets the pod's status as the kubelet would. */
  void status(Pod pod, String phase, List<ContainerStatus> init, List<ContainerStatus> main) {
    Pod current = client.pods().inNamespace(NAMESPACE).withName(pod.getMetadata().getName()).get();
    current.setStatus(new PodStatusBuilder().withPhase(phase).withInitContainerStatuses(init)
        .withContainerStatuses(main).build());
    client.pods().inNamespace(NAMESPACE).resource(current).updateStatus();
  }

  /** The pod's command ran and exited with {@code code}. */
  void exited(Pod pod, int code, String reason) {
    status(pod, code == 0 ? "Succeeded" : "Failed", List.of(terminated("workspace", 0, "Completed")),
        List.of(terminated("run", code, reason)));
  }

  /** The pod's command is running. */
  void running(Pod pod) {
    status(pod, "Running", List.of(terminated("workspace", 0, "Completed")), List.of(new ContainerStatusBuilder()
        .withName("run").withNewState().withNewRunning().withStartedAt("2026-01-01T00:00:00Z").endRunning().endState()
        .build()));
  }

  static ContainerStatus terminated(String name, int code, String reason) {
    return new ContainerStatusBuilder().withName(name).withNewState().withNewTerminated().withExitCode(code)
        .withReason(reason).endTerminated().endState().build();
  }

  static ContainerStatus waiting(String name, String reason, String message) {
    return new ContainerStatusBuilder().withName(name).withNewState().withNewWaiting().withReason(reason)
        .withMessage(message).endWaiting().endState().build();
  }

  /** What the pod's log endpoint answers for the command's container (once). */
  void log(Pod pod, String container, String text) {
    server.expect().get()
        .withPath("/api/v1/namespaces/" + NAMESPACE + "/pods/" + pod.getMetadata().getName() + "/log?pretty=false&container="
            + container + "&follow=true")
        .andReturn(200, text).once();
  }

  /** Paths the API server was asked for, most recent last (for diagnostics). */
  int requestCount() {
    return server.getRequestCount();
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
