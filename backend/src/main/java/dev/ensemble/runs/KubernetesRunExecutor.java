package dev.ensemble.runs;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs as Kubernetes Jobs ({@code ENSEMBLE_RUN_EXECUTOR=kubernetes}): one Job per run in the runs
 * namespace ({@link RunJobSpec}), whose pod fetches the working copy from this node with a
 * one-time token ({@link WorkspaceTransfers}). One informer follows the run pods of the namespace
 * and hands each pod's changes to its {@link RunPod}, which follows the pod's log and ends the run.
 * All calls to the API server happen on this executor's own threads, never on an event loop.
 */
public final class KubernetesRunExecutor implements RunExecutor {
  private static final Logger log = LoggerFactory.getLogger(KubernetesRunExecutor.class);
  private static final long RESYNC_MS = 60_000;

  private final KubernetesClient client;
  private final KubernetesRunSettings settings;
  private final WorkspaceTransfers transfers;
  private final ExecutorService threads = Executors.newCachedThreadPool(LocalRunExecutor.named("ensemble-run-k8s-"));
  /** Job deletions apart, so that closing can let them finish without waiting for log readers. */
  private final ExecutorService deletions = Executors.newCachedThreadPool(LocalRunExecutor.named("ensemble-run-k8s-delete-"));
  private final ScheduledExecutorService timers =
      Executors.newSingleThreadScheduledExecutor(LocalRunExecutor.named("ensemble-run-k8s-timer-"));
  /** The runs this node has in the cluster, by run id. */
  private final Map<String, RunPod> runs = new ConcurrentHashMap<>();
  private final SharedIndexInformer<Pod> pods;

  private KubernetesRunExecutor(KubernetesClient client, KubernetesRunSettings settings, WorkspaceTransfers transfers) {
    this.client = client;
    this.settings = settings;
    this.transfers = transfers;
    this.pods = client.pods().inNamespace(settings.namespace())
        .withLabel(RunJobSpec.MANAGED_BY, RunJobSpec.MANAGER)
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(Pod pod) {
            find(pod).ifPresent(r -> r.onPod(pod));
          }

          @Override
          public void onUpdate(Pod before, Pod pod) {
            find(pod).ifPresent(r -> r.onPod(pod));
          }

          @Override
          public void onDelete(Pod pod, boolean finalStateUnknown) {
            find(pod).ifPresent(RunPod::onPodGone);
          }
        }, RESYNC_MS);
  }

  /**
   * Connects to the cluster (blocking) and checks that this node may list Jobs and watch pods in
   * the runs namespace; throws with the reason when it cannot, so runs are refused with it.
   */
  static KubernetesRunExecutor connect(KubernetesRunSettings settings, RunLimits limits, WorkspaceTransfers transfers,
      RunWorkspaces workspaces) throws IOException {
    workspaces.prepare(false);
    Config config = settings.apiUrl()
        .map(url -> new ConfigBuilder(Config.autoConfigure(null)).withMasterUrl(url.toString()).build())
        .orElseGet(() -> Config.autoConfigure(null));
    KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
    try {
      client.batch().v1().jobs().inNamespace(settings.namespace()).list(new ListOptionsBuilder().withLimit(1L).build());
      KubernetesRunExecutor executor = new KubernetesRunExecutor(client, settings, transfers);
      log.info("runs execute as Kubernetes Jobs in namespace {} of {} (image {})", settings.namespace(),
          client.getMasterUrl(), settings.image());
      return executor;
    } catch (KubernetesClientException e) {
      client.close();
      throw new IllegalStateException("runs cannot use the Kubernetes namespace " + settings.namespace() + " at "
          + config.getMasterUrl() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String description() {
    return "kubernetes-job";
  }

  @Override
  public Optional<String> networkUnavailable() {
    // Network access is the runs namespace's NetworkPolicies' to give (label ensemble.dev/network).
    return Optional.empty();
  }

  @Override
  public void prepareWorkspace(Path dir) {
    // The init container extracts the copy as the pod's own uid: nothing to hand over here.
  }

  @Override
  public RunExecution start(RunRequest request, RunLimits limits, RunOutput output) throws IOException {
    String runId = request.id().toString();
    String url = settings.serverUrl() + "/api/runs/" + runId + "/workspace.tar";
    String token = transfers.issue(request.id(), request.workspace());
    Job job = RunJobSpec.build(settings, request, limits, size(request.workspace()), url, token);
    RunPod run = new RunPod(this, request, limits, output);
    runs.put(runId, run); // before the Job exists, so no event about its pod is missed
    try {
      client.batch().v1().jobs().inNamespace(settings.namespace()).resource(job).create();
    } catch (KubernetesClientException e) {
      runs.remove(runId);
      transfers.revoke(request.id());
      output.notice("the run's Job could not be created in namespace " + settings.namespace() + ": " + e.getMessage());
      throw new IllegalStateException("creating the Job failed: " + e.getMessage(), e);
    }
    run.created();
    return run;
  }

  /** Lets pending Job deletions of the runs just stopped go out (bounded), then disconnects. */
  @Override
  public void close() {
    pods.close();
    timers.shutdownNow();
    threads.shutdownNow();
    deletions.shutdown();
    try {
      deletions.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deletions.shutdownNow();
    client.close();
  }

  private Optional<RunPod> find(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    return Optional.ofNullable(labels == null ? null : labels.get(RunJobSpec.RUN)).map(runs::get);
  }

  // What RunPod needs from the executor.

  KubernetesClient client() {
    return client;
  }

  KubernetesRunSettings settings() {
    return settings;
  }

  ExecutorService threads() {
    return threads;
  }

  ScheduledExecutorService timers() {
    return timers;
  }

  /** The run's pod has started its command, or the run is over: its working copy is no longer offered. */
  void revokeTransfer(RunRequest request) {
    transfers.revoke(request.id());
  }

  void forget(RunRequest request) {
    runs.remove(request.id().toString());
    transfers.revoke(request.id());
  }

  /** Deletes a run's Job and, through background propagation, its pod; returns at once. */
  void deleteJob(RunRequest request) {
    deletions.execute(() -> delete(request));
  }

  private void delete(RunRequest request) {
    try {
      client.batch().v1().jobs().inNamespace(settings.namespace()).withName(RunJobSpec.name(request))
          .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND)
          .delete();
    } catch (KubernetesClientException e) {
      log.warn("run {}: deleting its Job failed (its TTL will remove it): {}", request.id(), e.getMessage());
    }
  }

  private static long size(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
