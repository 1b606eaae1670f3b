package dev.ensemble.runs;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Job one run becomes: one pod that never restarts, runs as a non-root uid without privileges,
 * capabilities or a service-account token, with a read-only root filesystem, RuntimeDefault
 * seccomp, size-capped {@code /workspace} and {@code /tmp}, and resources and deadline derived
 * from the run's limits. An init container fetches the working copy from the node holding the run
 * with the run's one-time token; the command then runs in {@code /workspace} under {@code ulimit}s
 * for CPU time and open files. Labels let a NetworkPolicy deny egress unless the project allows
 * network access.
 */
final class RunJobSpec {
  static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  static final String MANAGER = "ensemble";
  static final String COMPONENT = "app.kubernetes.io/component";
  static final String RUN = "ensemble.dev/run";
  static final String PROJECT = "ensemble.dev/project";
  /** {@code allowed} or {@code denied}: what the runs namespace's NetworkPolicies select on. */
  static final String NETWORK = "ensemble.dev/network";
  static final String INIT_CONTAINER = "workspace";
  static final String CONTAINER = "run";
  static final String WORKSPACE = "/workspace";

  /**
   * Streams the tarball into the workspace; pipefail so a failed or cut download fails the pod
   * instead of leaving a partial copy.
   */
  static final String FETCH_SCRIPT = "set -euo pipefail\n"
      + "wget -q -O - --header \"Authorization: Bearer ${ENSEMBLE_WORKSPACE_TOKEN}\" \"${ENSEMBLE_WORKSPACE_URL}\""
      + " | tar -x -f - -C " + WORKSPACE + "\n";

  private RunJobSpec() {}

  /** The Job's name for a run (also how the executor finds it again). */
  static String name(RunRequest request) {
    return "ensemble-run-" + request.id();
  }

  /**
   * The Job for {@code request}.
   *
   * @param workspaceBytes the size of the working copy, added to the disk limit for /workspace
   * @param workspaceUrl where the init container fetches the working copy
   * @param token the run's one-time token for that
   */
  static Job build(KubernetesRunSettings s, RunRequest request, RunLimits limits, long workspaceBytes,
      String workspaceUrl, String token) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MANAGED_BY, MANAGER);
    labels.put(COMPONENT, "run");
    labels.put(RUN, request.id().toString());
    labels.put(PROJECT, request.projectId().toString());
    labels.put(NETWORK, request.allowNetwork() ? "allowed" : "denied");
    long grace = limits.killGrace().toSeconds();
    // The command's own clock starts when its container does (see KubernetesRunExecutor); the Job's
    // deadline also covers getting the pod started and stopped, and ends it if this node is gone.
    long deadline = s.startTimeout().toSeconds() + limits.wallTime().toSeconds() + grace;

    List<VolumeMount> workspaceOnly = List.of(mount("workspace", WORKSPACE));
    Container fetch = new ContainerBuilder()
        .withName(INIT_CONTAINER)
        .withImage(s.initImage())
        .withCommand(literal("/bin/sh", "-c", FETCH_SCRIPT))
        .withEnv(env("ENSEMBLE_WORKSPACE_URL", workspaceUrl), env("ENSEMBLE_WORKSPACE_TOKEN", token))
        .withVolumeMounts(workspaceOnly)
        .withResources(new ResourceRequirementsBuilder()
            .addToRequests("cpu", new Quantity("50m"))
            .addToRequests("memory", new Quantity("32Mi"))
            .addToLimits("cpu", new Quantity(s.cpuLimit()))
            .addToLimits("memory", new Quantity("64Mi"))
            .build())
        .withSecurityContext(containerSecurity())
        .build();

    Quantity memory = new Quantity(Long.toString(limits.memoryBytes()));
    Container run = new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(s.image())
        .withCommand(literal("/bin/sh", "-c", wrapper(limits), "ensemble-run", request.command()))
        .withWorkingDir(WORKSPACE)
        .withEnv(environment(request))
        .withVolumeMounts(mount("workspace", WORKSPACE), mount("tmp", "/tmp"))
        .withResources(new ResourceRequirementsBuilder()
            .addToRequests("cpu", new Quantity(s.cpuRequest()))
            .addToRequests("memory", memory)
            .addToLimits("cpu", new Quantity(s.cpuLimit()))
            .addToLimits("memory", memory)
            .build())
        .withSecurityContext(containerSecurity())
        .build();

    List<Toleration> tolerations = new ArrayList<>();
    for (KubernetesRunSettings.Toleration t : s.tolerations()) {
      tolerations.add(new TolerationBuilder()
          .withKey(t.key())
          .withOperator(t.value().isPresent() ? "Equal" : "Exists")
          .withValue(t.value().orElse(null))
          .withEffect(t.effect().orElse(null))
          .build());
    }

    return new JobBuilder()
        .withNewMetadata()
            .withName(name(request))
            .withNamespace(s.namespace())
            .withLabels(labels)
        .endMetadata()
        .withNewSpec()
            .withBackoffLimit(0)
            .withCompletions(1)
            .withParallelism(1)
            .withActiveDeadlineSeconds(deadline)
            .withTtlSecondsAfterFinished((int) s.ttlAfterFinished().toSeconds())
            .withNewTemplate()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec()
                    .withRestartPolicy("Never")
                    .withAutomountServiceAccountToken(false)
                    .withEnableServiceLinks(false)
                    .withServiceAccountName(s.serviceAccount().orElse(null))
                    .withTerminationGracePeriodSeconds(grace)
                    .withHostname("ensemble")
                    .withNewSecurityContext()
                        .withRunAsNonRoot(true)
                        .withRunAsUser((long) s.uid())
                        .withRunAsGroup((long) s.uid())
                        .withFsGroup((long) s.uid())
                        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                    .endSecurityContext()
                    .withNodeSelector(s.nodeSelector().isEmpty() ? null : s.nodeSelector())
                    .withTolerations(tolerations.isEmpty() ? null : tolerations)
                    .withInitContainers(fetch)
                    .withContainers(run)
                    .addNewVolume()
                        .withName("workspace")
                        .withNewEmptyDir().withSizeLimit(new Quantity(Long.toString(workspaceBytes + limits.diskBytes())))
                        .endEmptyDir()
                    .endVolume()
                    .addNewVolume()
                        .withName("tmp")
                        .withNewEmptyDir().withSizeLimit(new Quantity(Long.toString(limits.diskBytes()))).endEmptyDir()
                    .endVolume()
                .endSpec()
            .endTemplate()
        .endSpec()
        .build();
  }

  /**
   * Starts the command ($1) under the per-process limits the local sandbox applies with prlimit
   * and that a container does not: CPU seconds, open files, no core files. A shell that cannot set
   * them fails the run rather than running it unlimited.
   */
  static String wrapper(RunLimits limits) {
    return "ulimit -t " + limits.cpuSeconds() + " && ulimit -n " + limits.openFiles()
        + " && ulimit -c 0 && exec /bin/sh -c \"$1\"";
  }

  private static List<EnvVar> environment(RunRequest request) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("HOME", WORKSPACE);
    env.put("TMPDIR", "/tmp");
    env.put("LANG", "C.UTF-8");
    env.put("TERM", "xterm-256color");
    env.put("USER", "sandbox");
    env.putAll(request.environment());
    List<EnvVar> out = new ArrayList<>();
    env.forEach((k, v) -> out.add(env(k, v)));
    return out;
  }

  private static SecurityContext containerSecurity() {
    return new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withPrivileged(false)
        .withNewCapabilities().withDrop("ALL").endCapabilities()
        .build();
  }

  private static EnvVar env(String name, String value) {
    return new EnvVar(name, escape(value), null);
  }

  /** Command and arguments as written: Kubernetes would otherwise expand {@code $(NAME)} in them. */
  private static List<String> literal(String... words) {
    return java.util.Arrays.stream(words).map(RunJobSpec::escape).toList();
  }

  /** {@code $$} is how Kubernetes spells a literal {@code $} in commands and environment values. */
  static String escape(String value) {
    return value.replace("$", "$$");
  }

  private static VolumeMount mount(String volume, String path) {
    VolumeMount m = new VolumeMount();
    m.setName(volume);
    m.setMountPath(path);
    return m;
  }
}
