package dev.ensemble.git.support;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.EnumSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
 * (for fetches and pushes alike, as private repositories on GitHub and GitLab are). A test can
 * hold the packs it sends ({@link #holdPacks}) to keep a clone going for as long as it likes.
 */
public final class GitHttpServer implements AutoCloseable {
  public static final String USER = "alice";
  public static final String PASSWORD = "s3cret-token";

  private final Server server;
  private final Path root;
  private final PackGate gate;

  private GitHttpServer(Server server, Path root, PackGate gate) {
    this.server = server;
    this.root = root;
    this.gate = gate;
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
    PackGate gate = new PackGate();
    context.addFilter(new FilterHolder(gate), "/*", EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
    server.setHandler(context);
    server.start();
    return new GitHttpServer(server, root, gate);
  }

  /**
   * Until the returned handle is closed, every fetch sends the first piece of its answer (the
   * client starts receiving: its progress shows) and then waits, at most two minutes.
   */
  public AutoCloseable holdPacks() {
    CountDownLatch held = new CountDownLatch(1);
    gate.held = held;
    return held::countDown;
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
    gate.held.countDown();
    server.stop();
  }

  /** Holds the answers to {@code git-upload-pack} after their first write while a latch is closed. */
  private static final class PackGate implements Filter {
    volatile CountDownLatch held = new CountDownLatch(0);

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, jakarta.servlet.ServletException {
      CountDownLatch latch = held;
      if (latch.getCount() == 0 || !((HttpServletRequest) request).getRequestURI().endsWith("/git-upload-pack")) {
        chain.doFilter(request, response);
        return;
      }
      HttpServletResponse r = (HttpServletResponse) response;
      chain.doFilter(request, new HttpServletResponseWrapper(r) {
        private ServletOutputStream out;

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
          if (out == null) {
            out = new HeldStream(r.getOutputStream(), latch);
          }
          return out;
        }
      });
    }
  }

  /** Passes the first write on at once, then waits for the latch before each further one. */
  private static final class HeldStream extends ServletOutputStream {
    private final ServletOutputStream delegate;
    private final CountDownLatch latch;
    private boolean first = true;

    HeldStream(ServletOutputStream delegate, CountDownLatch latch) {
      this.delegate = delegate;
      this.latch = latch;
    }

    private void pass() throws IOException {
      if (first) {
        first = false;
        return;
      }
      delegate.flush();
      try {
        latch.await(2, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while holding a pack", e);
      }
    }

    @Override
    public void write(int b) throws IOException {
      pass();
      delegate.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      pass();
      delegate.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      delegate.flush();
    }

    @Override
    public boolean isReady() {
      return delegate.isReady();
    }

    @Override
    public void setWriteListener(jakarta.servlet.WriteListener listener) {
      delegate.setWriteListener(listener);
    }
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
