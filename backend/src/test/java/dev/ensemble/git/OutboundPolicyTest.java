package dev.ensemble.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ensemble.config.ConfigException;
import dev.ensemble.http.ApiException;
import dev.ensemble.support.ApiClient;
import dev.ensemble.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which remotes the server connects to on a user's behalf. */
class OutboundPolicyTest {

  private static void refused(OutboundPolicy policy, String host, String hostKey, String code) {
    ApiException e = assertThrows(ApiException.class, () -> policy.check(host, hostKey, "url"), host);
    assertEquals(code, e.code(), e.getMessage());
  }

  @Test
  void byDefaultLoopbackLinkLocalAndUnspecifiedAddressesAreRefused() {
    OutboundPolicy policy = OutboundPolicy.fromEnv(Map.of());
    refused(policy, "127.0.0.1", "127.0.0.1", "remote_not_allowed");
    refused(policy, "127.10.20.30", "127.10.20.30:8080", "remote_not_allowed");
    refused(policy, "localhost", "localhost", "remote_not_allowed");
    refused(policy, "[::1]", "[::1]", "remote_not_allowed");
    refused(policy, "[::ffff:127.0.0.1]", "[::ffff:127.0.0.1]", "remote_not_allowed");
    refused(policy, "169.254.169.254", "169.254.169.254", "remote_not_allowed");
    refused(policy, "0.0.0.0", "0.0.0.0", "remote_not_allowed");
    refused(policy, "[fe80::1]", "[fe80::1]", "remote_not_allowed");
    // private networks (an intranet GitLab) stay reachable unless the operator denies them
    policy.check("10.1.2.3", "10.1.2.3", "url");
    policy.check("192.168.7.8", "192.168.7.8", "url");
    policy.check("172.16.0.1", "172.16.0.1", "url");
  }

  @Test
  void operatorsCanDenyMoreNetworksOrNone() {
    OutboundPolicy strict = OutboundPolicy.fromEnv(Map.of("ENSEMBLE_GIT_DENIED_NETWORKS", "10.0.0.0/8, 172.16.0.0/12,fc00::/7"));
    refused(strict, "10.200.0.1", "10.200.0.1", "remote_not_allowed");
    refused(strict, "172.31.255.255", "172.31.255.255", "remote_not_allowed");
    refused(strict, "[fd00::5]", "[fd00::5]", "remote_not_allowed");
    strict.check("172.32.0.1", "172.32.0.1", "url");
    strict.check("127.0.0.1", "127.0.0.1", "url"); // the list replaces the default

    OutboundPolicy open = OutboundPolicy.fromEnv(Map.of("ENSEMBLE_GIT_DENIED_NETWORKS", "none"));
    open.check("127.0.0.1", "127.0.0.1", "url");
  }

  @Test
  void anAllowListNamesHostsPortsAndDomains() {
    OutboundPolicy policy = OutboundPolicy.fromEnv(Map.of(
        "ENSEMBLE_GIT_ALLOWED_HOSTS", "github.com, *.corp.example, git.example:8443",
        "ENSEMBLE_GIT_DENIED_NETWORKS", "none"));
    policy.check("github.com", "github.com", "url");
    policy.check("gitlab.corp.example", "gitlab.corp.example", "url");
    policy.check("git.example", "git.example:8443", "url");
    refused(policy, "gitlab.com", "gitlab.com", "remote_not_allowed");
    refused(policy, "corp.example", "corp.example", "remote_not_allowed");
    refused(policy, "evilcorp.example", "evilcorp.example", "remote_not_allowed");
    refused(policy, "git.example", "git.example", "remote_not_allowed");
  }

  @Test
  void badSettingsNameTheirVariable() {
    ConfigException hosts = assertThrows(ConfigException.class,
        () -> OutboundPolicy.fromEnv(Map.of("ENSEMBLE_GIT_ALLOWED_HOSTS", "https://github.com")));
    assertEquals(true, hosts.getMessage().contains("ENSEMBLE_GIT_ALLOWED_HOSTS"), hosts.getMessage());
    for (String bad : new String[] {"10.0.0.0/33", "example.com/8", "10.0.0.0/x", "::1/129"}) {
      ConfigException e = assertThrows(ConfigException.class,
          () -> OutboundPolicy.fromEnv(Map.of("ENSEMBLE_GIT_DENIED_NETWORKS", bad)), bad);
      assertEquals(true, e.getMessage().contains("ENSEMBLE_GIT_DENIED_NETWORKS"), e.getMessage());
    }
  }

  @Test
  void importAndConnectRefuseARemoteOutsideThePolicyAndLeaveNothingBehind() {
    try (TestServer server = TestServer.start(Map.of(
        "ENSEMBLE_GIT_ALLOW_HTTP", "true",
        "ENSEMBLE_GIT_DENIED_NETWORKS", OutboundPolicy.DEFAULT_DENIED))) {
      ApiClient client = server.client();
      client.signup("outbound", "correct horse battery");
      ApiClient.Response imported = client.post("/api/projects/import",
          new JsonObject().put("url", "http://127.0.0.1:9/team/app.git"));
      assertEquals(400, imported.status(), imported.toString());
      assertEquals("remote_not_allowed", imported.errorCode());
      assertEquals(0, client.get("/api/projects").array().size(), "no project was created");

      String project = client.post("/api/projects", new JsonObject().put("name", "p")).json().getString("id");
      ApiClient.Response connected = client.post("/api/projects/" + project + "/git/remote",
          new JsonObject().put("url", "http://169.254.169.254/latest/meta-data"));
      assertEquals(400, connected.status(), connected.toString());
      assertEquals("remote_not_allowed", connected.errorCode());
    }
  }
}
