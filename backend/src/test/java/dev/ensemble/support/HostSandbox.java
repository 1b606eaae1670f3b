package dev.ensemble.support;

import dev.ensemble.runs.SandboxSupport;
import org.junit.jupiter.api.Assumptions;

/**
 * The host's sandbox for tests that run user code. Without one (bubblewrap not installed) the
 * calling test is skipped with a message, unless ENSEMBLE_REQUIRE_SANDBOX=true (CI installs
 * bubblewrap and sets it), when it fails instead.
 */
public final class HostSandbox {
  /** The uid user code runs as in tests. */
  public static final int UID = 61000;
  private static SandboxSupport support;

  private HostSandbox() {}

  public static synchronized SandboxSupport require() {
    if (support == null) {
      support = SandboxSupport.detect(UID);
    }
    if (!support.isolated()) {
      String why = "no sandbox on this host (" + support.description() + "); install bubblewrap to run this test";
      if ("true".equalsIgnoreCase(System.getenv("ENSEMBLE_REQUIRE_SANDBOX"))) {
        throw new AssertionError("ENSEMBLE_REQUIRE_SANDBOX=true but " + why);
      }
      Assumptions.abort(why);
    }
    return support;
  }
}
