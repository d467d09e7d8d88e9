package io.settleflow.deploy.demo;

import io.settleflow.avro.MismatchAlert;
import io.settleflow.avro.ReconCriterion;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Currency;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Prints mismatch alerts the moment reconciliation commits them (read_committed), for people to
 * watch.
 */
public final class AlertWatcher implements AutoCloseable {
  private final KafkaConsumer<String, byte[]> consumer;
  private final Thread thread;
  private final AtomicBoolean running = new AtomicBoolean(true);

  private AlertWatcher(
      KafkaConsumer<String, byte[]> consumer, ConfluentWireFormat wire, PrintStream out) {
    this.consumer = consumer;
    this.thread = new Thread(() -> loop(wire, out), "alert-watcher");
    this.thread.setDaemon(true);
  }

  public static AlertWatcher start(String bootstrap, ConfluentWireFormat wire, PrintStream out) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "settleflow-alert-watcher-" + System.nanoTime());
    KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(java.util.List.of(Topics.RECON_MISMATCHES));
    AlertWatcher watcher = new AlertWatcher(consumer, wire, out);
    watcher.thread.start();
    return watcher;
  }

  private void loop(ConfluentWireFormat wire, PrintStream out) {
    try {
      while (running.get()) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          out.println(describe(wire.decode(r.value(), MismatchAlert.class)));
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close();
    }
  }

  /** One line a finance person can read. */
  public static String describe(MismatchAlert a) {
    StringBuilder s = new StringBuilder("ALERT ").append(a.getKind());
    if (a.getPaymentId() != null) s.append(" payment=").append(a.getPaymentId());
    if (a.getSettlementId() != null) s.append(" settlement=").append(a.getSettlementId());
    if (a.getMerchantId() != null) s.append(" merchant=").append(a.getMerchantId());
    if (a.getCurrency() != null && a.getExpectedAmountMinor() != null)
      s.append(" expected=").append(major(a.getExpectedAmountMinor(), a.getCurrency()));
    String actualCurrency = actualCurrency(a);
    if (actualCurrency != null && a.getActualAmountMinor() != null)
      s.append(" actual=").append(major(a.getActualAmountMinor(), actualCurrency));
    s.append(" rule=").append(a.getRule()).append(" — ").append(a.getDetail());
    return s.toString();
  }

  /**
   * The currency of the actual (settled) amount: the alert's currency is the ledger's, and across
   * currencies (CURRENCY_MISMATCH, FX_DEVIATION) the explanation names the settlement's.
   */
  static String actualCurrency(MismatchAlert a) {
    if (a.getExplanation() != null) {
      for (ReconCriterion c : a.getExplanation().getCriteria()) {
        String actual = c.getActual();
        if (actual == null) {
          continue;
        }
        if ("currency".equals(c.getCriterion()) && !c.getPassed()) {
          return actual;
        }
        if ("fx-rate".equals(c.getCriterion())) {
          String[] amountAndCurrency = actual.split(" ", -1);
          if (amountAndCurrency.length == 2) {
            return amountAndCurrency[1];
          }
        }
      }
    }
    return a.getCurrency();
  }

  private static String major(long minor, String currency) {
    int digits;
    try {
      digits = Currency.getInstance(currency).getDefaultFractionDigits();
    } catch (IllegalArgumentException e) {
      digits = 2;
    }
    return BigDecimal.valueOf(minor, Math.max(0, digits)).toPlainString() + " " + currency;
  }

  @Override
  public void close() {
    running.set(false);
    consumer.wakeup();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
