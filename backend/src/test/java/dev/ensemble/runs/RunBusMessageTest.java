package dev.ensemble.runs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What one node publishes about runs is what the others read back. */
class RunBusMessageTest {

  @Test
  void outputKeepsSequenceNumbersStreamsAndBytes() {
    byte[] notUtf8 = {(byte) 0xE2, (byte) 0x82};
    var sent = new RunBusMessage.Output(List.of(
        new RunChunk(7, RunChunk.Stream.STDOUT, "line\n".getBytes(StandardCharsets.UTF_8)),
        new RunChunk(8, RunChunk.Stream.STDERR, notUtf8),
        new RunChunk(9, RunChunk.Stream.STDOUT, new byte[0])));
    var read = (RunBusMessage.Output) RunBusMessage.decode(RunBusMessage.encode(sent)).orElseThrow();
    assertEquals(3, read.chunks().size());
    for (int i = 0; i < 3; i++) {
      assertEquals(sent.chunks().get(i).seq(), read.chunks().get(i).seq());
      assertEquals(sent.chunks().get(i).stream(), read.chunks().get(i).stream());
      assertArrayEquals(sent.chunks().get(i).data(), read.chunks().get(i).data());
    }
  }

  @Test
  void endsCancelsAndNoticesRoundTrip() {
    Instant started = Instant.ofEpochMilli(1_700_000_000_123L);
    List<RunBusMessage> messages = List.of(
        new RunBusMessage.Ended(new RunResult(RunStatus.FAILED, Optional.of(3), started, 1500, 42, true)),
        new RunBusMessage.Ended(new RunResult(RunStatus.CANCELLED, Optional.empty(), started, 0, 0, false)),
        new RunBusMessage.CancelRequest("req-1"),
        new RunBusMessage.CancelReply("req-1", true),
        new RunBusMessage.Notice("node-a", true, new RunView(UUID.randomUUID(), UUID.randomUUID(),
            Optional.of(UUID.randomUUID()), "python3 main.py", RunStatus.QUEUED, Optional.empty(), Optional.empty(),
            Optional.empty(), 0, false, Optional.of(2))),
        new RunBusMessage.Notice("node-b", false, new RunView(UUID.randomUUID(), UUID.randomUUID(), Optional.empty(),
            "echo hi", RunStatus.SUCCEEDED, Optional.of(0), Optional.of(started), Optional.of(12L), 3, false,
            Optional.empty())));
    for (RunBusMessage m : messages) {
      assertEquals(Optional.of(m), RunBusMessage.decode(RunBusMessage.encode(m)));
    }
  }

  @Test
  void whatIsNotARunMessageIsIgnored() {
    assertTrue(RunBusMessage.decode(new byte[0]).isEmpty());
    assertTrue(RunBusMessage.decode(new byte[] {99, 1, 2}).isEmpty());
    assertTrue(RunBusMessage.decode(new byte[] {RunBusMessage.OUTPUT, 0, 0, 0, 1, 0}).isEmpty(), "cut short");
  }
}
