package dev.ensemble.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes Job executor against fabric8's mock Kubernetes API server (CRUD mode: a local
 * HTTP server speaking the real REST and watch protocol; no cluster runs here). The tests play
 * the Job controller and the kubelet: they create the Job's pod, set its statuses and serve its
 * log.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KubernetesRunExecutorTest {
  private static final String SERVER = "http://10.1.2.3:8080";

  @TempDir Path data;
  private MockCluster cluster;
  private WorkspaceTransfers transfers;
  private KubernetesRunExecutor executor;
  private RunSupervisor supervisor;
  private RunLimits limits;

  @BeforeEach
  void start() throws Exception {
    cluster = new MockCluster();
    transfers = new WorkspaceTransfers();
    limits = RunLimits.defaults().withWallTime(Duration.ofSeconds(30)).withMemoryBytes(512L << 20);
    executor = KubernetesRunExecutor.connect(cluster.settings(SERVER, Duration.ofSeconds(20)), limits, transfers,
        new RunWorkspaces(data));
    supervisor = new RunSupervisor(executor, limits, new RunQueue(4, 4, 4, 10), 1 << 20, RunEvents.NONE, false);
  }

  @AfterEach
  void stop() {
    supervisor.close();
    cluster.close();
  }

  @Test
  void aRunBecomesAJobWhosePodIsLockedDownAndLimited() throws Exception {
    Run run = submit("python3 main.py $(HOME)", Map.of("GREETING", "hi $(USER)"), false);
    Job job = cluster.awaitJob(run.id().toString());

    assertEquals(0, job.getSpec().getBackoffLimit());
    assertEquals(20L + 30 + 2, job.getSpec().getActiveDeadlineSeconds(), "start allowance + wall time + grace");
    assertEquals(300, job.getSpec().getTtlSecondsAfterFinished());
    Map<String, String> labels = job.getSpec().getTemplate().getMetadata().getLabels();
    assertEquals("ensemble", labels.get("app.kubernetes.io/managed-by"));
    assertEquals(run.id().toString(), labels.get("ensemble.dev/run"));
    assertEquals("denied", labels.get("ensemble.dev/network"));

    PodSpec pod = job.getSpec().getTemplate().getSpec();
    assertEquals("Never", pod.getRestartPolicy());
    assertFalse(pod.getAutomountServiceAccountToken());
    assertFalse(pod.getEnableServiceLinks());
    assertNull(pod.getServiceAccountName(), "no service account unless one is configured");
    assertEquals(2L, pod.getTerminationGracePeriodSeconds());
    assertTrue(pod.getSecurityContext().getRunAsNonRoot());
    assertEquals(61000L, pod.getSecurityContext().getRunAsUser());
    assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
    assertEquals(Map.of("ensemble.dev/runs", "true"), pod.getNodeSelector());
    assertEquals("NoSchedule", pod.getTolerations().get(0).getEffect());

    Container command = pod.getContainers().get(0);
    assertEquals("python:3.12-slim", command.getImage());
    assertEquals("/workspace", command.getWorkingDir());
    assertEquals("python3 main.py $$(HOME)", command.getCommand().get(4), "Kubernetes must not expand $(HOME)");
    assertTrue(command.getCommand().get(2).contains("ulimit -t 120"), command.getCommand().get(2));
    assertEquals("hi $$(USER)", env(command, "GREETING"));
    assertEquals(new Quantity(Long.toString(512L << 20)), command.getResources().getLimits().get("memory"));
    assertEquals(new Quantity(Long.toString(512L << 20)), command.getResources().getRequests().get("memory"));
    assertEquals(new Quantity("1"), command.getResources().getLimits().get("cpu"));
    assertEquals(new Quantity("250m"), command.getResources().getRequests().get("cpu"));

    Container fetch = pod.getInitContainers().get(0);
    assertEquals("busybox:1.37", fetch.getImage());
    assertEquals(SERVER + "/api/runs/" + run.id() + "/workspace.tar", env(fetch, "ENSEMBLE_WORKSPACE_URL"));
    for (Container c : List.of(command, fetch)) {
      SecurityContext sc = c.getSecurityContext();
      assertFalse(sc.getAllowPrivilegeEscalation(), c.getName());
      assertTrue(sc.getReadOnlyRootFilesystem(), c.getName());
      assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), c.getName());
    }
    long copy = Files.size(run.request().workspace().resolve("main.py"));
    assertEquals(new Quantity(Long.toString(copy + limits.diskBytes())), volume(pod, "workspace"));
    assertEquals(new Quantity(Long.toString(limits.diskBytes())), volume(pod, "tmp"));

    // The token in the pod is the run's, and only until it is used.
    String token = env(fetch, "ENSEMBLE_WORKSPACE_TOKEN");
    assertEquals(run.request().workspace(), transfers.take(run.id(), Optional.of(token)));
    assertFalse(transfers.pending(run.id()));
  }

  @Test
  void aProjectThatAllowsNetworkGetsTheLabelTheEgressPolicySelects() throws Exception {
    Run run = submit("true", Map.of(), true);
    assertEquals("allowed", cluster.awaitJob(run.id().toString()).getSpec().getTemplate().getMetadata().getLabels()
        .get("ensemble.dev/network"));
  }

  @Test
  void theRunEndsWithThePodsExitCodeAndItsLogAsOutputInOrder() throws Exception {
    Run run = submit("python3 main.py", Map.of(), false);
    Pod pod = cluster.createPod(cluster.awaitJob(run.id().toString()));
    String log = numbered(200);
    cluster.log(pod, "run", log);
    cluster.exited(pod, 3, "Error");

    RunResult result = ended(run);
    assertEquals(RunStatus.FAILED, result.status());
    assertEquals(Optional.of(3), result.exitCode());
    List<RunChunk> chunks = run.log().backlogAfter(0);
    assertEquals(log, chunks.stream().map(RunChunk::text).collect(Collectors.joining()));
    assertTrue(chunks.stream().allMatch(c -> c.stream() == RunChunk.Stream.STDOUT), "one merged stream");
    for (int i = 0; i < chunks.size(); i++) {
      assertEquals(i + 1, chunks.get(i).seq());
    }
    assertEquals(log.length(), result.outputBytes());
    assertTrue(cluster.awaitNoJob(run.id().toString()), "the finished Job is deleted");
    assertFalse(transfers.pending(run.id()), "the working copy is no longer offered once the command started");
  }

  @Test
  void exitZeroSucceeds() throws Exception {
    Run run = submit("true", Map.of(), false);
    Pod pod = cluster.createPod(cluster.awaitJob(run.id().toString()));
    cluster.log(pod, "run", "done\n");
    cluster.running(pod);
    cluster.exited(pod, 0, "Completed");
    RunResult result = ended(run);
    assertEquals(RunStatus.SUCCEEDED, result.status());
    assertEquals(Optional.of(0), result.exitCode());
    assertEquals("done\n", output(run));
  }

  @Test
  void aCommandKilledForItsMemoryIsKilledAndSaysWhy() throws Exception {
    Run run = submit("python3 hog.py", Map.of(), false);
    Pod pod = cluster.createPod(cluster.awaitJob(run.id().toString()));
    cluster.log(pod, "run", "allocating\n");
    cluster.exited(pod, 137, "OOMKilled");
    RunResult result = ended(run);
    assertEquals(RunStatus.KILLED, result.status());
    assertTrue(output(run).contains("memory limit"), output(run));
  }

  @Test
  void cancellingDeletesTheJob() throws Exception {
    Run run = submit("sleep 600", Map.of(), false);
    Pod pod = cluster.createPod(cluster.awaitJob(run.id().toString()));
    cluster.log(pod, "run", "started\n");
    cluster.running(pod);
    awaitOutput(run, "started\n");
    assertTrue(supervisor.cancel(run.id()));
    RunResult result = ended(run);
    assertEquals(RunStatus.CANCELLED, result.status());
    assertTrue(cluster.awaitNoJob(run.id().toString()), "the Job is deleted");
  }

  @Test
  void cancellingARunWhosePodHasNotStartedDeletesTheJob() throws Exception {
    Run run = submit("sleep 600", Map.of(), false);
    cluster.awaitJob(run.id().toString());
    assertTrue(supervisor.cancel(run.id()));
    assertEquals(RunStatus.CANCELLED, ended(run).status());
    assertTrue(cluster.awaitNoJob(run.id().toString()));
    assertFalse(transfers.pending(run.id()), "the working copy is no longer offered");
  }

  @Test
  void theWallTimeEndsARunAsTimedOut() throws Exception {
    Run run = supervisor.submit(request("sleep 600", Map.of(), false), limits.withWallTime(Duration.ofSeconds(1)));
    Pod pod = cluster.createPod(cluster.awaitJob(run.id().toString()));
    cluster.log(pod, "run", "");
    cluster.running(pod);
    RunResult result = ended(run);
    assertEquals(RunStatus.TIMED_OUT, result.status());
    assertTrue(cluster.awaitNoJob(run.id().toString()));
  }

  @Test
  void anImageThatCannotBePulledFailsTheRunWithTheReason() throws Exception {
    Run run = submit("true", Map.of(), false);
    Pod pod = cluster.createPod(cluster.awaitJob(run.id().toString()));
    cluster.status(pod, "Pending", List.of(MockCluster.terminated("workspace", 0, "Completed")),
        List.of(MockCluster.waiting("run", "ImagePullBackOff", "Back-off pulling image \"python:3.12-slim\"")));
    RunResult result = ended(run);
    assertEquals(RunStatus.FAILED, result.status());
    assertTrue(output(run).contains("ImagePullBackOff"), output(run));
    assertTrue(cluster.awaitNoJob(run.id().toString()));
  }

  @Test
  void aWorkingCopyThatCouldNotBeFetchedFailsTheRun() throws Exception {
    Run run = submit("true", Map.of(), false);
    Pod pod = cluster.createPod(cluster.awaitJob(run.id().toString()));
    cluster.status(pod, "Failed", List.of(MockCluster.terminated("workspace", 1, "Error")), List.of());
    assertEquals(RunStatus.FAILED, ended(run).status());
    assertTrue(output(run).contains("working copy could not be fetched"), output(run));
  }

  @Test
  void aPodThatNeverStartsFailsTheRunAfterTheStartTimeout() throws Exception {
    supervisor.close();
    executor = KubernetesRunExecutor.connect(cluster.settings(SERVER, Duration.ofSeconds(1)), limits, transfers,
        new RunWorkspaces(data));
    supervisor = new RunSupervisor(executor, limits, new RunQueue(4, 4, 4, 10), 1 << 20, RunEvents.NONE, false);
    Run run = submit("true", Map.of(), false);
    Job job = cluster.awaitJob(run.id().toString());
    Pod pod = cluster.createPod(job);
    cluster.client().pods().inNamespace(MockCluster.NAMESPACE).resource(cluster.client().pods()
        .inNamespace(MockCluster.NAMESPACE).withName(pod.getMetadata().getName()).get()).edit(p -> {
          p.getStatus().setConditions(List.of(new io.fabric8.kubernetes.api.model.PodConditionBuilder()
              .withType("PodScheduled").withStatus("False").withReason("Unschedulable")
              .withMessage("0/3 nodes are available: 3 Insufficient memory.").build()));
          return p;
        });
    assertEquals(RunStatus.FAILED, ended(run).status());
    assertTrue(output(run).contains("did not start within 1 s"), output(run));
    assertTrue(cluster.awaitNoJob(run.id().toString()));
  }

  private Run submit(String command, Map<String, String> env, boolean network) throws Exception {
    return supervisor.submit(request(command, env, network));
  }

  private RunRequest request(String command, Map<String, String> env, boolean network) throws Exception {
    UUID id = UUID.randomUUID();
    Path dir = Files.createDirectories(data.resolve("runs").resolve(id.toString()));
    Files.writeString(dir.resolve("main.py"), "print('hello')\n");
    return new RunRequest(id, UUID.randomUUID(), UUID.randomUUID(), command, dir, env, network);
  }

  private static RunResult ended(Run run) throws Exception {
    return run.finished().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static String output(Run run) {
    return run.log().backlogAfter(0).stream().map(RunChunk::text).collect(Collectors.joining());
  }

  private static void awaitOutput(Run run, String text) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!output(run).contains(text)) {
      assertTrue(System.nanoTime() < deadline, "output so far: " + output(run));
      Thread.sleep(20);
    }
  }

  private static String numbered(int lines) {
    StringBuilder b = new StringBuilder();
    for (int i = 1; i <= lines; i++) {
      b.append("line ").append(i).append('\n');
    }
    return b.toString();
  }

  private static String env(Container c, String name) {
    return c.getEnv().stream().filter(e -> name.equals(e.getName())).map(EnvVar::getValue).findFirst().orElseThrow();
  }

  private static Quantity volume(PodSpec pod, String name) {
    return pod.getVolumes().stream().filter(v -> name.equals(v.getName())).findFirst().orElseThrow()
        .getEmptyDir().getSizeLimit();
  }
}
