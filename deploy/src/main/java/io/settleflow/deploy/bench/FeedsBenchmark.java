package io.settleflow.deploy.bench;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.settleflow.embedded.KafkaBroker;
import io.settleflow.embedded.SchemaRegistryServer;
import io.settleflow.feeds.ImportProgress;
import io.settleflow.feeds.ImportSummary;
import io.settleflow.feeds.KafkaImportMarkers;
import io.settleflow.feeds.SettlementImporter;
import io.settleflow.feeds.SettlementProducers;
import io.settleflow.feeds.UnreadableFileException;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code ./settleflow bench feeds}: on one embedded KRaft broker and schema registry,
 *
 * <ol>
 *   <li>the floor: a plain producer with the importer's settings (idempotent, acks=all,
 *       transactional, one transaction for all records, as the importer uses for a file of this
 *       size) publishing the same SettlementRecords to the same topic, built in memory and encoded
 *       the same way, with no file and no parsing;
 *   <li>the importer on a generated settleflow CSV, camt.053 and BAI2 file of the same entries
 *       (streamed formats are read twice: hash, then parse while sending);
 *   <li>the importer on a BAI2 file {@link #HEAP_FACTOR}× larger, against the same BAI2 file at 1×,
 *       each with its peak live heap sampled.
 * </ol>
 *
 * <p>Floor and importer run in alternating slices, as {@code bench ingest} does: each round is
 * floor, CSV, floor, camt.053, floor, BAI2, every slice the whole file's entries (a fresh source,
 * so nothing is skipped as already imported), and each format's ratio is the median over the rounds
 * of its slice's rate divided by the floor slice just before it. A neighbour's build or a slower
 * broker then weighs on both sides of a pair alike, where one floor measured once per run (on a
 * cold producer) swung 83k to 187k records/s and decided the ratios. Warm-up rounds of the same
 * sequence, unmeasured, come first (the JIT, the broker's log and page cache, the producer's
 * connections), and a full GC precedes every slice so no slice pays for another's garbage.
 *
 * <p>Peak live heap: {@link #HEAP_SAMPLES} times per file, evenly spread (from the importer's
 * progress callback), a full GC is requested and the heap in use right after it is read; the
 * largest sample wins. Both files get the same number of samples: the heap in use moves while an
 * import runs (a held statement, the queue between threads, the producer's buffer), and the largest
 * of 40 samples against the largest of 4 would read as growth where there is none. Sampling happens
 * only in those two heap runs, never in the timed ones.
 */
public final class FeedsBenchmark {
  public static final int HEAP_FACTOR = 10;
  static final int HEAP_SAMPLES = 40;
  private static final int TOPIC_PARTITIONS = 3;

  /** Measured rounds (floor, CSV, floor, camt.053, floor, BAI2) unless told otherwise. */
  public static final int DEFAULT_ROUNDS = 5;

  /**
   * Unmeasured rounds of the same sequence first, unless told otherwise. Two: with one, the floor
   * was still speeding up through the second round (2026-11-26 12:13, idle: warm-up slices 36k,
   * 150k-250k records/s, measured ones 250k-470k).
   */
  public static final int DEFAULT_WARMUP_ROUNDS = 2;

  /** The importer's formats, in the order a round measures them. */
  enum Format {
    CSV("csv", "bench.csv"),
    CAMT053("camt053", "bench-camt053.xml"),
    BAI2("bai2", "bench.bai2");

    final String key;
    final String fileName;

    Format(String key, String fileName) {
      this.key = key;
      this.fileName = fileName;
    }

    /** Writes this format's bench file. */
    void write(Path file, long entries) throws IOException {
      switch (this) {
        case CSV -> FeedFiles.writeCsv(file, entries);
        case CAMT053 -> FeedFiles.writeCamt053(file, entries);
        case BAI2 -> FeedFiles.writeBai2(file, entries);
      }
    }
  }

  /** How the benchmark runs: entries per file (and per slice), measured rounds, warm-up rounds. */
  public record Options(long entries, int rounds, int warmupRounds) {
    public Options {
      if (entries < 1 || rounds < 1 || warmupRounds < 0) {
        throw new IllegalArgumentException(
            "entries and rounds must be positive and warm-up rounds not negative: entries="
                + entries
                + " rounds="
                + rounds
                + " warmupRounds="
                + warmupRounds);
      }
    }

    public Options(long entries) {
      this(entries, DEFAULT_ROUNDS, DEFAULT_WARMUP_ROUNDS);
    }
  }

  /** Each format's ratio to the floor (median over the rounds), the floor's rate, the heap. */
  public record Result(
      double csvRatio,
      double camt053Ratio,
      double bai2Ratio,
      double floorEps,
      long heap1x,
      long heap10x) {
    public double heapGrowth() {
      return (double) heap10x / heap1x;
    }

    public String resultLine() {
      return String.format(
          Locale.ROOT,
          "RESULT feeds csv_ratio=%.2f camt053_ratio=%.2f bai2_ratio=%.2f floor_eps=%.0f heap_growth_10x=%.2f",
          csvRatio,
          camt053Ratio,
          bai2Ratio,
          floorEps,
          heapGrowth());
    }
  }

  /**
   * The measured slices of one side: rates per round, and the CPU and entries summed. For the
   * importer of a format, {@code pairedFloorEps} holds the floor slice measured just before each of
   * its slices.
   */
  static final class Slices {
    final List<Double> eps = new ArrayList<>();
    final List<Double> pairedFloorEps = new ArrayList<>();
    long cpuNanos;
    long entries;

    void add(Slice slice, long n) {
      eps.add(slice.eps());
      cpuNanos += slice.cpuNanos();
      entries += n;
    }

    /** Each round's rate over its paired floor's. */
    List<Double> ratios() {
      List<Double> ratios = new ArrayList<>(eps.size());
      for (int i = 0; i < eps.size(); i++) {
        ratios.add(eps.get(i) / pairedFloorEps.get(i));
      }
      return ratios;
    }

    double cpuMicrosPerEntry() {
      return entries == 0 ? 0 : cpuNanos / 1e3 / entries;
    }
  }

  /** One timed run: entries per second, and this JVM's CPU during it. */
  record Slice(double eps, long cpuNanos) {}

  /** The middle value (the mean of the two middle ones for an even count). */
  static double median(List<Double> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("no values");
    }
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  /** A manageable HotSpot flag: how much free heap a full collection leaves committed. */
  private static final String MAX_HEAP_FREE_RATIO = "MaxHeapFreeRatio";

  private final Options options;
  private final PrintStream out;

  public FeedsBenchmark(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public Result run(Path runDir) throws Exception {
    // Every slice starts after a System.gc() (the previous slice's garbage is not its cost), and
    // after a full collection G1 gives back what is free beyond MaxHeapFreeRatio (70 %): every
    // slice began on a heap of ≈ 57 MiB, so the first quarter of a camt import ran through five
    // young collections and a concurrent cycle before G1 grew the heap again (GC log, 2026-11-27).
    // A `settlements import` JVM starts with its initial heap (1/64 of RAM: 384 MiB here) and no
    // full collection. So the heap keeps what the run grew it to, for floor and importers alike.
    HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    String maxHeapFreeRatio = vm.getVMOption(MAX_HEAP_FREE_RATIO).getValue();
    vm.setVMOption(MAX_HEAP_FREE_RATIO, "100");
    try {
      return measure(runDir);
    } finally {
      vm.setVMOption(MAX_HEAP_FREE_RATIO, maxHeapFreeRatio);
      // The broker keeps hundreds of MB of benchmark records: delete them and the generated files.
      deleteTree(
          runDir.resolve("kafka").resolve("logs")); // Kafka's data directory; broker.log stays
      deleteTree(runDir.resolve("files"));
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private Result measure(Path runDir) throws Exception {
    long n = options.entries();
    Path files = Files.createDirectories(runDir.resolve("files"));
    try (KafkaBroker broker = KafkaBroker.start(runDir.resolve("kafka"), 0, 0, "384m");
        SchemaRegistryServer registry =
            SchemaRegistryServer.start(runDir.resolve("registry"), 0, false);
        // one marker reader for every import, as `settlements import` keeps one for all its files
        // (its consumer connects once, in the first warm-up import; each read is still timed)
        KafkaImportMarkers markers = new KafkaImportMarkers(broker.bootstrapServers())) {
      broker.createTopics(
          List.of(Topics.SETTLEMENTS_RAW, Topics.SETTLEMENTS_REJECTED, Topics.SETTLEMENTS_IMPORTS),
          TOPIC_PARTITIONS,
          Set.of(Topics.SETTLEMENTS_IMPORTS));
      String bootstrap = broker.bootstrapServers();
      ConfluentWireFormat wire =
          new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));
      out.printf(
          "bench feeds: broker %s, registry %s, %,d entries per file, %d warm-up and %d measured"
              + " rounds (floor, csv, floor, camt053, floor, bai2)%n",
          bootstrap, registry.confluentUrl(), n, options.warmupRounds(), options.rounds());

      Map<Format, Path> inputs = new EnumMap<>(Format.class);
      for (Format f : Format.values()) {
        inputs.put(f, generate(files.resolve(f.fileName), n, f::write));
      }
      Path bai2Large =
          generate(files.resolve("bench-10x.bai2"), n * HEAP_FACTOR, FeedFiles::writeBai2);

      for (int round = 1; round <= options.warmupRounds(); round++) {
        round(
            bootstrap,
            markers,
            wire,
            inputs,
            "warm-up round " + round,
            "bench-warmup" + round,
            null);
      }
      Slices floor = new Slices();
      Map<Format, Slices> importer = new EnumMap<>(Format.class);
      for (Format f : Format.values()) {
        importer.put(f, new Slices());
      }
      double loadBefore = ProcessCpu.loadAverage();
      for (int round = 1; round <= options.rounds(); round++) {
        round(
            bootstrap,
            markers,
            wire,
            inputs,
            "round " + round + "/" + options.rounds(),
            "bench-r" + round,
            new Measured(floor, importer));
      }
      double loadAfter = ProcessCpu.loadAverage();
      for (Format f : Format.values()) {
        out.printf(
            Locale.ROOT,
            "bench feeds: %s ratio per round %s, median %.2f%n",
            f.key,
            importer.get(f).ratios().stream()
                .map(r -> String.format(Locale.ROOT, "%.2f", r))
                .toList(),
            median(importer.get(f).ratios()));
      }
      out.printf(
          Locale.ROOT,
          "bench feeds: floor records/s per slice %s, median %.0f%n",
          floor.eps.stream().map(e -> String.format(Locale.ROOT, "%.0f", e)).toList(),
          median(floor.eps));
      // This JVM's CPU per entry over the measured slices (the broker and registry are child JVMs,
      // not counted): unlike entries per second, it hardly moves with what else runs.
      out.printf(
          Locale.ROOT,
          "CPU feeds floor_cpu_us=%.2f csv_cpu_us=%.2f camt053_cpu_us=%.2f bai2_cpu_us=%.2f"
              + " load_avg_start=%.1f load_avg_end=%.1f%n",
          floor.cpuMicrosPerEntry(),
          importer.get(Format.CSV).cpuMicrosPerEntry(),
          importer.get(Format.CAMT053).cpuMicrosPerEntry(),
          importer.get(Format.BAI2).cpuMicrosPerEntry(),
          loadBefore,
          loadAfter);

      Path bai2 = inputs.get(Format.BAI2);
      long heap1x = peakHeap(bootstrap, markers, wire, bai2, "bench-heap-1x", n);
      long heap10x =
          peakHeap(bootstrap, markers, wire, bai2Large, "bench-heap-10x", n * HEAP_FACTOR);
      out.printf(
          "bench feeds: peak live heap, BAI2 %,d entries: %.1f MiB; %,d entries: %.1f MiB%n",
          n, heap1x / 1048576.0, n * HEAP_FACTOR, heap10x / 1048576.0);
      for (Path f : inputs.values()) {
        Files.deleteIfExists(f); // hundreds of MB; the run directory keeps the logs
      }
      Files.deleteIfExists(bai2Large);
      return new Result(
          median(importer.get(Format.CSV).ratios()),
          median(importer.get(Format.CAMT053).ratios()),
          median(importer.get(Format.BAI2).ratios()),
          median(floor.eps),
          heap1x,
          heap10x);
    }
  }

  /** Where a measured round's slices go (null for a warm-up round). */
  private record Measured(Slices floor, Map<Format, Slices> importer) {}

  /**
   * One round: floor, CSV, floor, camt.053, floor, BAI2, every slice the file's entries under its
   * own source (so no import skips entries as already imported); prints the round's figures.
   */
  private void round(
      String bootstrap,
      KafkaImportMarkers markers,
      ConfluentWireFormat wire,
      Map<Format, Path> inputs,
      String name,
      String sourcePrefix,
      Measured measured)
      throws Exception {
    long n = options.entries();
    List<String> pairs = new ArrayList<>();
    for (Format f : Format.values()) {
      Slice floorSlice = floor(bootstrap, wire, sourcePrefix + "-floor-" + f.key, n);
      Slice importSlice =
          timedImport(bootstrap, markers, wire, inputs.get(f), sourcePrefix + "-" + f.key, n);
      pairs.add(
          String.format(
              Locale.ROOT,
              "floor %,.0f/s, %s %,.0f/s = %.2f",
              floorSlice.eps(),
              f.key,
              importSlice.eps(),
              importSlice.eps() / floorSlice.eps()));
      if (measured != null) {
        measured.floor().add(floorSlice, n);
        Slices side = measured.importer().get(f);
        side.add(importSlice, n);
        side.pairedFloorEps.add(floorSlice.eps());
      }
    }
    out.println("bench feeds: " + name + ": " + String.join(" | ", pairs));
  }

  /** CPU time of this JVM, every thread (parsing, encoding, the producer's I/O, GC, JIT). */
  static long processCpuNanos() {
    return ProcessHandle.current()
        .info()
        .totalCpuDuration()
        .map(java.time.Duration::toNanos)
        .orElse(0L);
  }

  private Path generate(Path file, long entries, FeedFiles.Generator writer) throws IOException {
    writer.write(file, entries);
    out.printf(
        "bench feeds: wrote %s (%,d entries, %.1f MiB)%n",
        file.getFileName(), entries, Files.size(file) / 1048576.0);
    return file;
  }

  /**
   * The floor: encode and send {@code n} records in one transaction, as the importer does with a
   * file up to {@link io.settleflow.feeds.SettlementImporter#ONE_TRANSACTION_MAX_BYTES}, and commit
   * (which waits for every acknowledgement). The producer is made before the clock starts.
   */
  private static Slice floor(String bootstrap, ConfluentWireFormat wire, String source, long n) {
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (Producer<String, byte[]> producer =
        SettlementProducers.createTransactional(bootstrap, source)) {
      System.gc(); // the previous slice's garbage is not this slice's cost
      long cpu = processCpuNanos();
      long start = System.nanoTime();
      producer.beginTransaction();
      for (long i = 0; i < n; i++) {
        var record = FeedFiles.record(source, i);
        // failures land in the callback and are thrown after the commit
        var unused =
            producer.send(
                new ProducerRecord<>(
                    Topics.SETTLEMENTS_RAW,
                    record.getSettlementId(),
                    wire.encode(Topics.SETTLEMENTS_RAW, record)),
                (metadata, error) -> {
                  if (error != null) {
                    failure.compareAndSet(null, error);
                  }
                });
      }
      producer.commitTransaction();
      long nanos = System.nanoTime() - start;
      cpu = processCpuNanos() - cpu;
      if (failure.get() != null) {
        throw new IllegalStateException(
            "floor producer failed: " + failure.get().getMessage(), failure.get());
      }
      return new Slice(n * 1e9 / nanos, cpu);
    }
  }

  private static Slice timedImport(
      String bootstrap,
      KafkaImportMarkers markers,
      ConfluentWireFormat wire,
      Path file,
      String source,
      long n)
      throws UnreadableFileException {
    ImportSummary summary;
    long nanos;
    long cpu;
    // The producer is the caller's (as for the floor, made before the clock starts); the
    // importer's time includes reading the marker topic, hashing, parsing and the commit.
    try (Producer<String, byte[]> producer =
        SettlementProducers.createTransactional(bootstrap, source)) {
      SettlementImporter importer = new SettlementImporter(producer, wire, markers);
      System.gc(); // the previous slice's garbage is not this slice's cost
      cpu = processCpuNanos();
      long start = System.nanoTime();
      summary = importer.importFile(file, source);
      nanos = System.nanoTime() - start;
      cpu = processCpuNanos() - cpu;
    }
    if (summary.published() != n) {
      throw new IllegalStateException(
          file + ": expected " + n + " records published, got: " + summary.render());
    }
    return new Slice(n * 1e9 / nanos, cpu);
  }

  /** Imports the file while sampling the live heap; the largest sample in bytes. */
  private static long peakHeap(
      String bootstrap,
      KafkaImportMarkers markers,
      ConfluentWireFormat wire,
      Path file,
      String source,
      long fileEntries)
      throws UnreadableFileException {
    // the callback hears every PROGRESS_EVERY_ENTRIES entries: sample at multiples of that
    long every = SettlementImporter.PROGRESS_EVERY_ENTRIES;
    long sampleEvery = Math.max(every, fileEntries / HEAP_SAMPLES / every * every);
    long[] peak = {liveHeap()};
    importFile(
        bootstrap,
        markers,
        wire,
        file,
        source,
        (bytesRead, totalBytes, entries, done) -> {
          if (done || entries % sampleEvery == 0) {
            peak[0] = Math.max(peak[0], liveHeap());
          }
        });
    return peak[0];
  }

  /** Heap in use right after a requested full collection: what the import holds on to. */
  static long liveHeap() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static ImportSummary importFile(
      String bootstrap,
      KafkaImportMarkers markers,
      ConfluentWireFormat wire,
      Path file,
      String source,
      ImportProgress progress)
      throws UnreadableFileException {
    try (Producer<String, byte[]> producer =
        SettlementProducers.createTransactional(bootstrap, source)) {
      return new SettlementImporter(producer, wire, markers)
          .withProgress(progress)
          .importFile(file, source);
    }
  }
}
