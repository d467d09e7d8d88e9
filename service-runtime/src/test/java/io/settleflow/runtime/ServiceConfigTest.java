package io.settleflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceConfigTest {
  @Test
  void integerOutsideRangeNamesTheVariable() {
    ServiceConfig config = new ServiceConfig(Map.of("PORT", "70000"));
    assertThatThrownBy(() -> config.integer("PORT", 8080, 0, 65535))
        .hasMessageContaining("PORT")
        .hasMessageContaining("between 0 and 65535");
  }

  @Test
  void nonNumericIntegerNamesTheVariable() {
    ServiceConfig config = new ServiceConfig(Map.of("PORT", "eighty"));
    assertThatThrownBy(() -> config.integer("PORT", 8080, 0, 65535)).hasMessageContaining("PORT");
  }

  @Test
  void booleansAreTrueOrFalseAndAnythingElseNamesTheVariable() {
    assertThat(new ServiceConfig(Map.of("ON", "TRUE")).bool("ON", false)).isTrue();
    assertThat(new ServiceConfig(Map.of("ON", " false ")).bool("ON", true)).isFalse();
    assertThat(new ServiceConfig(Map.of()).bool("ON", true)).isTrue();
    assertThatThrownBy(() -> new ServiceConfig(Map.of("ON", "yes")).bool("ON", false))
        .isInstanceOf(ServiceConfig.ConfigException.class)
        .hasMessageContaining("ON")
        .hasMessageContaining("true or false");
  }

  @Test
  void missingValueTakesTheDefault() {
    assertThat(new ServiceConfig(Map.of()).integer("PORT", 8080, 0, 65535)).isEqualTo(8080);
    assertThat(new ServiceConfig(Map.of("X", "  ")).string("X", "d")).isEqualTo("d");
  }

  @Test
  void secretComesFromFileWhenNameFileIsSet(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("pw");
    Files.writeString(file, "s3cret\n");
    ServiceConfig config = new ServiceConfig(Map.of("DB_PASSWORD_FILE", file.toString()));
    assertThat(config.secret("DB_PASSWORD")).isEqualTo("s3cret");
  }

  @Test
  void missingSecretNamesBothWaysToSetIt() {
    assertThatThrownBy(() -> new ServiceConfig(Map.of()).secret("DB_PASSWORD"))
        .hasMessageContaining("DB_PASSWORD")
        .hasMessageContaining("DB_PASSWORD_FILE");
  }
}
