package io.settleflow.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PortsTest {
  @ParameterizedTest(name = "ephemeral from {0} -> [{1}, {2})")
  @CsvSource({
    // Linux default: everything from 10000 up to the range's start
    "32768, 10000, 32768",
    // a widened range still leaves thousands below it
    "15000, 10000, 15000",
    // a range starting too low: the ports under the Linux default's start
    "1024, 10000, 32768",
    "11999, 10000, 32768",
  })
  void picksBelowTheEphemeralRange(int ephemeralLow, int low, int high) {
    assertThat(Ports.candidateRange(new int[] {ephemeralLow, 60_999})).containsExactly(low, high);
  }

  @Test
  void anUnknownRangeFallsBackToThePortsBelowTheLinuxDefault() {
    assertThat(Ports.candidateRange(null)).containsExactly(10_000, 32_768);
  }

  @Test
  void aFreePortIsBelowThisMachinesEphemeralRangeAndBindable() throws IOException {
    int[] ephemeral = Ports.ephemeralRange();
    int port = Ports.free();
    if (ephemeral != null) {
      assertThat(port).isLessThan(ephemeral[0]);
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(Ports.loopback(), port));
      assertThat(socket.getLocalPort()).isEqualTo(port);
    }
  }

  @Test
  void aPortSomeoneListensOnIsNeverHandedOut() throws IOException {
    int port = Ports.free();
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(Ports.loopback(), port));
      // of two candidates one is taken: every pick is the other one
      for (int i = 0; i < 50; i++) {
        assertThat(Ports.freeIn(port, port + 2)).isEqualTo(port + 1);
      }
    }
  }
}
