package io.settleflow.deploy.bench;

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
import java.util.List;
import java.util.Locale;
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
 *       size) publishing the same SettlementRecords, built in memory and encoded the same way, with
 *       no file and no parsing;
 *   <li>the importer on a generated settleflow CSV, camt.053 and BAI2 file of the same entries
 *       (streamed formats are read twice: hash, then parse while sending);
 *   <li>the importer on a BAI2 file {@link #HEAP_FACTOR}× larger, against the same BAI2 file at 1×,
 *       each with its peak live heap sampled.
 * </ol>
 *
 * Peak live heap: {@link #HEAP_SAMPLES} times per file, evenly spread (from the importer's progress
 * callback), a full GC is requested and the heap in use right after it is read; the largest sample
 * wins. Both files get the same number of samples: the heap in use moves while an import runs (a
 * held statement, the queue between threads, the producer's buffer), and the largest of 40 samples
 * against the largest of 4 would read as growth where there is none. Sampling happens only in those
 * two heap runs, never in the timed ones. Warm-up: one import of each format and a floor run at a
 * tenth of the size, unmeasured.
 */
public final class FeedsBenchmark {
  public static final int HEAP_FACTOR = 10;
  static final int HEAP_SAMPLES = 40;
  private static final int TOPIC_PARTITIONS = 3;
  private static final int WARMUP_DIVISOR = 10;

  /** How the benchmark runs. */
  public record Options(long entries) {}

  /** Entries per second of each side and the heap ratio. */
  public record Result(
      double floorEps,
      double csvEps,
      double camt053Eps,
      double bai2Eps,
      long heap1x,
      long heap10x) {
    public double heapGrowth() {
      return (double) heap10x / heap1x;
    }

    public String resultLine() {
      return String.format(
          Locale.ROOT,
          "RESULT feeds csv_ratio=%.2f camt053_ratio=%.2f bai2_ratio=%.2f floor_eps=%.0f heap_growth_10x=%.2f",
          csvEps / floorEps,
          camt053Eps / floorEps,
          bai2Eps / floorEps,
          floorEps,
          heapGrowth());
    }
  }

  private final Options options;
  private final PrintStream out;

  public FeedsBenchmark(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public Result run(Path runDir) throws Exception {
    try {
      return measure(runDir);
    } finally {
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
            SchemaRegistryServer.start(runDir.resolve("registry"), 0, false)) {
      broker.createTopics(
          List.of(Topics.SETTLEMENTS_RAW, Topics.SETTLEMENTS_REJECTED, Topics.SETTLEMENTS_IMPORTS),
          TOPIC_PARTITIONS,
          Set.of(Topics.SETTLEMENTS_IMPORTS));
      String bootstrap = broker.bootstrapServers();
      ConfluentWireFormat wire =
          new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));
      out.printf(
          "bench feeds: broker %s, registry %s, %,d entries per file%n",
          bootstrap, registry.confluentUrl(), n);

      Path csv = generate(files.resolve("bench.csv"), n, FeedFiles::writeCsv);
      Path camt = generate(files.resolve("bench-camt053.xml"), n, FeedFiles::writeCamt053);
      Path bai2 = generate(files.resolve("bench.bai2"), n, FeedFiles::writeBai2);
      Path bai2Large =
          generate(files.resolve("bench-10x.bai2"), n * HEAP_FACTOR, FeedFiles::writeBai2);

      out.println("bench feeds: warm-up (a tenth of the size, not measured)");
      long warm = Math.max(1, n / WARMUP_DIVISOR);
      floor(bootstrap, wire, "bench-warmup-floor", warm);
      importFile(
          bootstrap,
          wire,
          generate(files.resolve("warm.csv"), warm, FeedFiles::writeCsv),
          "bench-warmup-csv",
          ImportProgress.NONE);
      importFile(
          bootstrap,
          wire,
          generate(files.resolve("warm.xml"), warm, FeedFiles::writeCamt053),
          "bench-warmup-camt",
          ImportProgress.NONE);
      importFile(
          bootstrap,
          wire,
          generate(files.resolve("warm.bai2"), warm, FeedFiles::writeBai2),
          "bench-warmup-bai2",
          ImportProgress.NONE);

      double loadBefore = ProcessCpu.loadAverage();
      long cpu0 = processCpuNanos();
      double floorEps = floor(bootstrap, wire, "bench-floor", n);
      long cpu1 = processCpuNanos();
      out.printf("bench feeds: floor (plain producer, no parsing): %,.0f records/s%n", floorEps);
      double csvEps = timedImport(bootstrap, wire, csv, "bench-csv", n);
      long cpu2 = processCpuNanos();
      double camtEps = timedImport(bootstrap, wire, camt, "bench-camt053", n);
      long cpu3 = processCpuNanos();
      double bai2Eps = timedImport(bootstrap, wire, bai2, "bench-bai2", n);
      long cpu4 = processCpuNanos();
      // This JVM's CPU per entry (the broker and registry are child JVMs, not counted): unlike
      // entries per second, it hardly moves with what else runs on the machine.
      out.printf(
          Locale.ROOT,
          "CPU feeds floor_cpu_us=%.2f csv_cpu_us=%.2f camt053_cpu_us=%.2f bai2_cpu_us=%.2f"
              + " load_avg_start=%.1f load_avg_end=%.1f%n",
          (cpu1 - cpu0) / 1e3 / n,
          (cpu2 - cpu1) / 1e3 / n,
          (cpu3 - cpu2) / 1e3 / n,
          (cpu4 - cpu3) / 1e3 / n,
          loadBefore,
          ProcessCpu.loadAverage());

      long heap1x = peakHeap(bootstrap, wire, bai2, "bench-heap-1x", n);
      long heap10x = peakHeap(bootstrap, wire, bai2Large, "bench-heap-10x", n * HEAP_FACTOR);
      out.printf(
          "bench feeds: peak live heap, BAI2 %,d entries: %.1f MiB; %,d entries: %.1f MiB%n",
          n, heap1x / 1048576.0, n * HEAP_FACTOR, heap10x / 1048576.0);
      for (Path f : List.of(csv, camt, bai2, bai2Large)) {
        Files.deleteIfExists(f); // hundreds of MB; the run directory keeps the logs
      }
      return new Result(floorEps, csvEps, camtEps, bai2Eps, heap1x, heap10x);
    }
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
   * (which waits for every acknowledgement); records per second. The producer is made before the
   * clock starts.
   */
  private static double floor(String bootstrap, ConfluentWireFormat wire, String source, long n) {
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (Producer<String, byte[]> producer =
        SettlementProducers.createTransactional(bootstrap, source)) {
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
      if (failure.get() != null) {
        throw new IllegalStateException(
            "floor producer failed: " + failure.get().getMessage(), failure.get());
      }
      return n * 1e9 / nanos;
    }
  }

  private double timedImport(
      String bootstrap, ConfluentWireFormat wire, Path file, String source, long n)
      throws UnreadableFileException {
    ImportSummary summary;
    long nanos;
    // The producer is the caller's (as for the floor, made before the clock starts); the
    // importer's time includes reading the marker topic, hashing, parsing and the commit.
    try (Producer<String, byte[]> producer =
        SettlementProducers.createTransactional(bootstrap, source)) {
      long start = System.nanoTime();
      summary =
          new SettlementImporter(producer, wire, new KafkaImportMarkers(bootstrap))
              .importFile(file, source);
      nanos = System.nanoTime() - start;
    }
    if (summary.published() != n) {
      throw new IllegalStateException(
          file + ": expected " + n + " records published, got: " + summary.render());
    }
    double eps = n * 1e9 / nanos;
    out.printf(
        "bench feeds: importer on %s (%s): %,.0f entries/s%n",
        file.getFileName(), summary.format(), eps);
    return eps;
  }

  /** Imports the file while sampling the live heap; the largest sample in bytes. */
  private static long peakHeap(
      String bootstrap, ConfluentWireFormat wire, Path file, String source, long fileEntries)
      throws UnreadableFileException {
    // the callback hears every PROGRESS_EVERY_ENTRIES entries: sample at multiples of that
    long every = SettlementImporter.PROGRESS_EVERY_ENTRIES;
    long sampleEvery = Math.max(every, fileEntries / HEAP_SAMPLES / every * every);
    long[] peak = {liveHeap()};
    importFile(
        bootstrap,
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
      String bootstrap, ConfluentWireFormat wire, Path file, String source, ImportProgress progress)
      throws UnreadableFileException {
    try (Producer<String, byte[]> producer =
        SettlementProducers.createTransactional(bootstrap, source)) {
      return new SettlementImporter(producer, wire, new KafkaImportMarkers(bootstrap))
          .withProgress(progress)
          .importFile(file, source);
    }
  }
}
