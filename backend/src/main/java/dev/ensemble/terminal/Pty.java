package dev.ensemble.terminal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A pseudo-terminal opened through libc (JNA, Linux): the server keeps the master side and reads,
 * writes and resizes it; a child started by {@link #start} gets the slave side as its stdin,
 * stdout and stderr. The master is non-blocking and every wait is a bounded {@code poll}, so
 * {@link #close} never waits behind a stuck read or write. Reads and writes block their caller:
 * call them from dedicated threads, never an event loop.
 */
public final class Pty implements AutoCloseable {
  // Linux values (x86-64 and arm64 share them).
  private static final int O_RDWR = 2;
  private static final int O_NOCTTY = 0400;
  private static final int O_NONBLOCK = 04000;
  private static final int O_CLOEXEC = 02000000;
  private static final long TIOCGWINSZ = 0x5413;
  private static final long TIOCSWINSZ = 0x5414;
  private static final short POLLIN = 1;
  private static final short POLLOUT = 4;
  private static final int EINTR = 4;
  private static final int EIO = 5;
  private static final int EAGAIN = 11;
  private static final int POLL_SLICE_MS = 200;
  private static final Pattern SLAVE = Pattern.compile("/dev/pts/[0-9]+");
  /** Opens the slave as the child's stdio, then becomes the command (no shell stays behind). */
  private static final String ATTACH = "exec \"$@\" <\"$0\" >\"$0\" 2>&1";

  /** The few libc calls a terminal needs. */
  interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    int posix_openpt(int flags) throws LastErrorException;

    int grantpt(int fd) throws LastErrorException;

    int unlockpt(int fd) throws LastErrorException;

    /** Returns 0 or an error number (not errno). */
    int ptsname_r(int fd, byte[] buf, NativeLong size);

    NativeLong read(int fd, byte[] buf, NativeLong count) throws LastErrorException;

    NativeLong write(int fd, byte[] buf, NativeLong count) throws LastErrorException;

    int ioctl(int fd, NativeLong request, Object... args) throws LastErrorException;

    int poll(Memory fds, NativeLong count, int timeoutMs) throws LastErrorException;

    int close(int fd) throws LastErrorException;
  }

  /** A terminal size in character cells. */
  public record Size(int cols, int rows) {
    public Size {
      if (cols < 1 || rows < 1 || cols > 0xffff || rows > 0xffff) {
        throw new IllegalArgumentException("terminal size out of range: " + cols + "x" + rows);
      }
    }
  }

  private final LibC libc = LibC.INSTANCE;
  private final String slave;
  private final Object readLock = new Object();
  private final Object writeLock = new Object();
  private final Object controlLock = new Object();
  private volatile boolean closed;
  private int fd;

  private Pty(int fd, String slave) {
    this.fd = fd;
    this.slave = slave;
  }

  /** Opens a new terminal pair of this size. */
  public static Pty open(Size size) throws IOException {
    LibC c = LibC.INSTANCE;
    int fd;
    try {
      fd = c.posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new IOException("posix_openpt failed: errno " + e.getErrorCode(), e);
    }
    try {
      c.grantpt(fd);
      c.unlockpt(fd);
      byte[] name = new byte[128];
      int err = c.ptsname_r(fd, name, new NativeLong(name.length));
      if (err != 0) {
        throw new IOException("ptsname_r failed: error " + err);
      }
      String path = Native.toString(name, StandardCharsets.US_ASCII.name());
      // The name is passed to a shell as an argument; it must be exactly what Linux hands out.
      if (!SLAVE.matcher(path).matches()) {
        throw new IOException("unexpected terminal name " + path);
      }
      Pty pty = new Pty(fd, path);
      pty.resize(size);
      return pty;
    } catch (LastErrorException e) {
      c.close(fd);
      throw new IOException("cannot prepare the terminal: errno " + e.getErrorCode(), e);
    } catch (IOException | RuntimeException e) {
      c.close(fd);
      throw e;
    }
  }

  /** The slave side's path, e.g. {@code /dev/pts/3}. */
  public String slavePath() {
    return slave;
  }

  /**
   * Starts {@code command} with the slave side as stdin, stdout and stderr. The slave is opened by
   * a short-lived shell that then becomes the command, never by this JVM: a JVM that leads its
   * session (under systemd, say) would otherwise take the terminal as its own controlling
   * terminal. Making it the command's controlling terminal is the command's job ({@code setsid
   * --ctty}).
   */
  public Process start(List<String> command, Map<String, String> environment, Path directory) throws IOException {
    List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", ATTACH, slave));
    argv.addAll(command);
    ProcessBuilder builder = new ProcessBuilder(argv);
    builder.environment().clear();
    builder.environment().putAll(environment);
    builder.directory(directory.toFile());
    builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.redirectError(ProcessBuilder.Redirect.DISCARD);
    return builder.start();
  }

  /**
   * Reads what the terminal's programs wrote: the number of bytes, 0 when nothing came within
   * {@code timeoutMs}, or -1 once no process holds the slave side open any more (or after close).
   */
  public int read(byte[] buf, int timeoutMs) throws IOException {
    synchronized (readLock) {
      if (closed) {
        return -1;
      }
      if (!await(POLLIN, timeoutMs)) {
        return 0;
      }
      try {
        return (int) libc.read(fd, buf, new NativeLong(buf.length)).longValue();
      } catch (LastErrorException e) {
        return switch (e.getErrorCode()) {
          case EAGAIN, EINTR -> 0;
          case EIO -> -1; // the slave side is closed
          default -> throw new IOException("terminal read failed: errno " + e.getErrorCode(), e);
        };
      }
    }
  }

  /** Writes all of {@code data} as typed input, waiting while the terminal's input queue is full. */
  public void write(byte[] data) throws IOException {
    synchronized (writeLock) {
      int off = 0;
      while (off < data.length) {
        if (closed) {
          throw new IOException("terminal closed");
        }
        if (!await(POLLOUT, POLL_SLICE_MS)) {
          continue;
        }
        byte[] rest = off == 0 ? data : Arrays.copyOfRange(data, off, data.length);
        try {
          off += (int) libc.write(fd, rest, new NativeLong(rest.length)).longValue();
        } catch (LastErrorException e) {
          if (e.getErrorCode() != EAGAIN && e.getErrorCode() != EINTR) {
            throw new IOException("terminal write failed: errno " + e.getErrorCode(), e);
          }
        }
      }
    }
  }

  /** Sets the size; the kernel tells the foreground programs (SIGWINCH). */
  public void resize(Size size) throws IOException {
    Memory winsize = new Memory(8);
    winsize.clear();
    winsize.setShort(0, (short) size.rows());
    winsize.setShort(2, (short) size.cols());
    synchronized (controlLock) {
      if (closed) {
        throw new IOException("terminal closed");
      }
      try {
        libc.ioctl(fd, new NativeLong(TIOCSWINSZ), winsize);
      } catch (LastErrorException e) {
        throw new IOException("cannot resize the terminal: errno " + e.getErrorCode(), e);
      }
    }
  }

  /** The size the kernel holds for this terminal. */
  public Size size() throws IOException {
    Memory winsize = new Memory(8);
    winsize.clear();
    synchronized (controlLock) {
      if (closed) {
        throw new IOException("terminal closed");
      }
      try {
        libc.ioctl(fd, new NativeLong(TIOCGWINSZ), winsize);
      } catch (LastErrorException e) {
        throw new IOException("cannot read the terminal size: errno " + e.getErrorCode(), e);
      }
    }
    return new Size(Short.toUnsignedInt(winsize.getShort(2)), Short.toUnsignedInt(winsize.getShort(0)));
  }

  /**
   * Closes the master side (programs still holding the slave get SIGHUP and EIO). Waits at most
   * one poll slice for a reader or writer in progress, so the descriptor is never closed under them.
   */
  @Override
  public void close() {
    closed = true;
    synchronized (readLock) {
      synchronized (writeLock) {
        synchronized (controlLock) {
          if (fd >= 0) {
            try {
              libc.close(fd);
            } catch (LastErrorException ignored) {
              // nothing more can be done with a descriptor that does not close
            }
            fd = -1;
          }
        }
      }
    }
  }

  /** Waits up to {@code timeoutMs} for the master to be readable or writable. */
  private boolean await(short events, int timeoutMs) throws IOException {
    Memory pollfd = new Memory(8);
    pollfd.setInt(0, fd);
    pollfd.setShort(4, events);
    pollfd.setShort(6, (short) 0);
    try {
      int n = libc.poll(pollfd, new NativeLong(1), Math.min(timeoutMs, POLL_SLICE_MS));
      // POLLHUP/POLLERR count too: the read or write that follows reports them.
      return n > 0 && pollfd.getShort(6) != 0;
    } catch (LastErrorException e) {
      if (e.getErrorCode() == EINTR) {
        return false;
      }
      throw new IOException("terminal poll failed: errno " + e.getErrorCode(), e);
    }
  }
}
