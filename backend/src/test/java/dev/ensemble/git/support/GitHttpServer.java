package dev.ensemble.git.support;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jgit.http.server.GitServlet;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.resolver.FileResolver;

/**
 * A git smart-HTTP server for tests: JGit's GitServlet on embedded Jetty, serving the bare
 * repositories under a directory at {@code /git/<name>.git}, behind HTTP basic authentication
 * (for fetches and pushes alike, as private repositories on GitHub and GitLab are).
 */
public final class GitHttpServer implements AutoCloseable {
  public static final String USER = "alice";
  public static final String PASSWORD = "s3cret-token";

  private final Server server;
  private final Path root;

  private GitHttpServer(Server server, Path root) {
    this.server = server;
    this.root = root;
  }

  public static GitHttpServer start(Path root) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/git");
    GitServlet git = new GitServlet();
    git.setRepositoryResolver(new FileResolver<>(root.toFile(), true));
    // Whoever passed basic authentication may push.
    git.setReceivePackFactory((req, db) -> new ReceivePack(db));
    context.addServlet(new ServletHolder(git), "/*");
    context.addFilter(new FilterHolder(new BasicAuth()), "/*", EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
    server.setHandler(context);
    server.start();
    return new GitHttpServer(server, root);
  }

  public int port() {
    return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
  }

  /** "127.0.0.1:port", the host key credentials are stored under. */
  public String host() {
    return "127.0.0.1:" + port();
  }

  public String url(String name) {
    return "http://" + host() + "/git/" + name + ".git";
  }

  public Path root() {
    return root;
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }

  private static final class BasicAuth implements Filter {
    private static final String EXPECTED =
        "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, jakarta.servlet.ServletException {
      String given = ((HttpServletRequest) request).getHeader("Authorization");
      if (EXPECTED.equals(given)) {
        chain.doFilter(request, response);
        return;
      }
      HttpServletResponse r = (HttpServletResponse) response;
      r.setHeader("WWW-Authenticate", "Basic realm=\"git\"");
      r.sendError(401);
    }
  }
}
