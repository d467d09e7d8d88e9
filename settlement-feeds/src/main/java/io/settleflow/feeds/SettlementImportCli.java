package io.settleflow.feeds;

import io.settleflow.runtime.ServiceConfig;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.SchemaRegistryException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;
import org.apache.kafka.clients.producer.Producer;

/**
 * {@code settlement-import [--format NAME] <source> <file>...}: imports settlement files (format
 * detected per file unless given) and prints one summary per file. Reads SETTLEFLOW_KAFKA_BOOTSTRAP
 * and SETTLEFLOW_REGISTRY_URL. Exit 0 when every file was imported (rejected lines included), 1
 * when a file was unreadable or not fully published, 2 on a usage or configuration error.
 */
public final class SettlementImportCli {
  public static final int OK = 0;
  public static final int FILE_FAILED = 1;
  public static final int USAGE = 2;
  static final String USAGE_TEXT = "usage: settlement-import [--format NAME] <source> <file>...";

  public static void main(String[] args) {
    System.exit(
        run(
            List.of(args),
            ServiceConfig.fromEnvironment(),
            SettlementProducers::createTransactional,
            System.out,
            System.err));
  }

  /**
   * Everything main does, with its inputs and outputs passed in.
   *
   * @param producers (bootstrap, source) → a transactional producer, transactions initialized
   */
  static int run(
      List<String> args,
      ServiceConfig config,
      BiFunction<String, String, Producer<String, byte[]>> producers,
      PrintStream out,
      PrintStream err) {
    String format = null;
    if (!args.isEmpty() && args.get(0).equals("--format")) {
      if (args.size() < 2) {
        err.println(USAGE_TEXT);
        return USAGE;
      }
      format = args.get(1);
      try {
        SettlementFormats.parser(format);
      } catch (UnreadableFileException e) {
        err.println(e.getMessage());
        return USAGE;
      }
      args = args.subList(2, args.size());
    }
    if (args.size() < 2 || args.get(0).isBlank()) {
      err.println(USAGE_TEXT);
      return USAGE;
    }
    String bootstrap;
    String registryUrl;
    try {
      bootstrap = config.required("SETTLEFLOW_KAFKA_BOOTSTRAP");
      registryUrl = config.required("SETTLEFLOW_REGISTRY_URL");
    } catch (ServiceConfig.ConfigException e) {
      err.println(e.getMessage());
      return USAGE;
    }
    String source = args.get(0);
    Producer<String, byte[]> created;
    try {
      created = producers.apply(bootstrap, source);
    } catch (SettlementPublishException e) {
      err.println(e.getMessage()); // broker unreachable: one line, no stack trace
      return FILE_FAILED;
    }
    int exit = OK;
    try (Producer<String, byte[]> producer = created;
        KafkaImportMarkers markers = new KafkaImportMarkers(bootstrap)) {
      SettlementImporter importer =
          new SettlementImporter(
              producer, new ConfluentWireFormat(new ConfluentRegistryClient(registryUrl)), markers);
      for (String file : args.subList(1, args.size())) {
        try {
          out.println(importer.importFile(Path.of(file), source, format).render());
        } catch (UnreadableFileException | SettlementPublishException | SchemaRegistryException e) {
          err.println(file + ": " + e.getMessage());
          exit = FILE_FAILED;
        }
      }
    }
    return exit;
  }

  private SettlementImportCli() {}
}
