package io.settleflow.console;

import java.time.Duration;

/** How long an open mismatch has waited, in the buckets the overview chart shows. */
public enum AgeBucket {
  UNDER_1_HOUR("< 1 h", Duration.ofHours(1)),
  UNDER_1_DAY("1 h – 1 d", Duration.ofDays(1)),
  UNDER_1_WEEK("1 d – 7 d", Duration.ofDays(7)),
  OLDER("> 7 d", null);

  private final String label;
  private final Duration below;

  AgeBucket(String label, Duration below) {
    this.label = label;
    this.below = below;
  }

  public String label() {
    return label;
  }

  /** The bucket of an age; a negative age (detected "in the future") counts as new. */
  public static AgeBucket of(Duration age) {
    for (AgeBucket b : values()) {
      if (b.below == null || age.compareTo(b.below) < 0) {
        return b;
      }
    }
    return OLDER;
  }
}
