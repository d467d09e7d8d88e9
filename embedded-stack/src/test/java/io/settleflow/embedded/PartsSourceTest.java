package io.settleflow.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The switch between embedded and container-backed parts. */
class PartsSourceTest {

  @ParameterizedTest(name = "''{0}'' -> {1}")
  @CsvSource(
      nullValues = "null",
      value = {
        "null,              EMBEDDED",
        "'',                EMBEDDED",
        "'   ',             EMBEDDED",
        "embedded,          EMBEDDED",
        "EMBEDDED,          EMBEDDED",
        "testcontainers,    TESTCONTAINERS",
        "' Testcontainers ', TESTCONTAINERS",
      })
  void thePropertyNamesTheKind(String value, PartsSource.Kind expected) {
    assertThat(PartsSource.parse(value)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"docker", "containers", "true", "test-containers"})
  void anUnknownKindIsRejectedNamingTheProperty(String value) {
    assertThatThrownBy(() -> PartsSource.parse(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("settleflow.parts")
        .hasMessageContaining(value);
  }

  @Test
  void theDefaultBuildPicksTheEmbeddedParts() {
    // the testcontainers profile sets the property for its test JVMs; everywhere else it is unset
    Assumptions.assumeTrue(
        System.getProperty(PartsSource.PROPERTY) == null, "running under -Ptestcontainers");
    assertThat(PartsSource.selected()).isEqualTo(PartsSource.Kind.EMBEDDED);
    assertThat(PartsSource.containers()).isEmpty();
  }

  @Test
  void theTestcontainersProfileFindsItsContainerParts() {
    // runs only under -Ptestcontainers; finding the parts needs no container engine, starting them
    // does
    Assumptions.assumeTrue(
        "testcontainers".equals(System.getProperty(PartsSource.PROPERTY)),
        "only under -Ptestcontainers");
    assertThat(PartsSource.containers())
        .get()
        .extracting(p -> p.getClass().getName())
        .isEqualTo("io.settleflow.embedded.TestcontainersParts");
  }

  @Test
  void embeddedNeverLooksForContainerParts() {
    AtomicInteger lookups = new AtomicInteger();
    assertThat(
            PartsSource.containers(
                null,
                () -> {
                  lookups.incrementAndGet();
                  return Optional.of(new NoParts());
                }))
        .isEmpty();
    assertThat(PartsSource.containers("embedded", () -> Optional.of(new NoParts()))).isEmpty();
    assertThat(lookups).hasValue(0);
  }

  @Test
  void testcontainersUsesTheProviderOnTheClasspath() {
    NoParts parts = new NoParts();
    assertThat(PartsSource.containers("testcontainers", () -> Optional.of(parts)))
        .containsSame(parts);
  }

  @Test
  void testcontainersWithoutTheProfilesClassesSaysHowToGetThem() {
    assertThatThrownBy(() -> PartsSource.containers("testcontainers", Optional::empty))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("settleflow.parts=testcontainers")
        .hasMessageContaining("-Ptestcontainers");
  }

  @Test
  void aPartThatNeverAnswersFailsNamingIt() {
    assertThatThrownBy(() -> PartsSource.awaitReady("kafka", () -> false, java.time.Duration.ZERO))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("kafka (container) not ready");
    PartsSource.awaitReady("kafka", () -> true, java.time.Duration.ZERO);
  }

  /** A provider that is never started: only its identity matters here. */
  private static final class NoParts implements ContainerParts {
    @Override
    public Postgres startPostgres(Path dataDir, int port, boolean keepData) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Part startKafka(Path dataDir, int port, String maxHeap) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Part startSchemaRegistry(Path workDir, int port) {
      throw new UnsupportedOperationException();
    }
  }
}
