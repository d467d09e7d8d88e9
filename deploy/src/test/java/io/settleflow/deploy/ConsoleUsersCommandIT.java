package io.settleflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.console.ConsoleStore;
import io.settleflow.console.Passwords;
import io.settleflow.console.SessionTokens;
import io.settleflow.embedded.PostgresServer;
import io.settleflow.ledger.LedgerSchema;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ./settleflow console users …} against a real PostgreSQL migrated by ledger-db. */
@Tag("integration")
class ConsoleUsersCommandIT {
  @TempDir static Path dir;
  static PostgresServer pg;
  static String url;
  static ConsoleStore store;

  @BeforeAll
  static void startDatabase() {
    pg = PostgresServer.start(dir.resolve("pg"), 0, false, dir.resolve("pg.log"));
    pg.createDatabaseIfMissing("settleflow");
    DataSource owner = pg.superuser("settleflow");
    LedgerSchema.migrate(owner);
    url = pg.jdbcUrl("settleflow");
    store = new ConsoleStore(owner, Clock.systemUTC());
  }

  @AfterAll
  static void stopDatabase() {
    if (pg != null) pg.close();
  }

  record Run(int exit, String out, String err) {}

  static Run run(String stdin, Map<String, String> env, String... args) {
    CommandLine cli = SettleflowCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    CommandLine users = cli.getSubcommands().get("console").getSubcommands().get("users");
    ConsoleCommand.Users.Add add = users.getSubcommands().get("add").getCommand();
    add.stdin = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
    add.env = env;
    ConsoleCommand.Users.ListUsers list = users.getSubcommands().get("list").getCommand();
    list.env = env;
    ConsoleCommand.Users.Disable disable = users.getSubcommands().get("disable").getCommand();
    disable.env = env;
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  static String[] args(String... rest) {
    String[] all = new String[rest.length + 4];
    System.arraycopy(rest, 0, all, 0, rest.length);
    all[rest.length] = "--db-url";
    all[rest.length + 1] = url;
    all[rest.length + 2] = "--db-user";
    all[rest.length + 3] = PostgresServer.SUPERUSER;
    return all;
  }

  @Test
  void financeUsersAreAddedListedAndDisabledWithoutPasswordsOnTheCommandLine() throws Exception {
    Path file = dir.resolve("pw");
    Files.writeString(file, "a-file-password-123\n");
    Run added =
        run(
            "",
            Map.of(),
            args("console", "users", "add", "bob", "--password-file", file.toString()));
    assertThat(added.exit()).as(added.err()).isZero();
    assertThat(added.out()).contains("added finance user bob");
    assertThat(Passwords.matches("a-file-password-123", store.passwordHash("bob").orElseThrow()))
        .isTrue();

    Run fromStdin =
        run(
            "a-stdin-password-456\n",
            Map.of(),
            args("console", "users", "add", "carol", "--password-stdin"));
    assertThat(fromStdin.exit()).as(fromStdin.err()).isZero();
    assertThat(Passwords.matches("a-stdin-password-456", store.passwordHash("carol").orElseThrow()))
        .isTrue();

    Run fromEnv =
        run(
            "",
            Map.of(ConsoleCommand.PASSWORD_ENV, "an-env-password-789"),
            args("console", "users", "add", "dave"));
    assertThat(fromEnv.exit()).as(fromEnv.err()).isZero();
    assertThat(Passwords.matches("an-env-password-789", store.passwordHash("dave").orElseThrow()))
        .isTrue();

    // refused, nothing written: taken name, no password, short password, a password argument
    Run taken =
        run(
            "",
            Map.of(),
            args("console", "users", "add", "bob", "--password-file", file.toString()));
    assertThat(taken.exit()).isNotZero();
    assertThat(taken.err()).contains("username").contains("already exists");
    Run none = run("", Map.of(), args("console", "users", "add", "erin"));
    assertThat(none.exit()).isNotZero();
    assertThat(none.err()).contains("password: give --password-file FILE");
    Run shortPw =
        run("short\n", Map.of(), args("console", "users", "add", "erin", "--password-stdin"));
    assertThat(shortPw.exit()).isNotZero();
    assertThat(shortPw.err()).contains("password");
    Run asArgument =
        run("", Map.of(), args("console", "users", "add", "erin", "a-password-as-argument"));
    assertThat(asArgument.exit()).isNotZero();
    assertThat(store.userExists("erin")).isFalse();

    // disabling ends the user's sessions
    byte[] session = SessionTokens.hash(SessionTokens.newToken(new SecureRandom()));
    store.createSession(session, "bob", Instant.now().plusSeconds(3600));
    assertThat(store.sessionUser(session)).hasValue("bob");
    Run disabled = run("", Map.of(), args("console", "users", "disable", "bob"));
    assertThat(disabled.exit()).as(disabled.err()).isZero();
    assertThat(disabled.out()).contains("disabled finance user bob");
    assertThat(store.sessionUser(session)).isEmpty();
    assertThat(store.passwordHash("bob")).isEmpty();
    assertThat(run("", Map.of(), args("console", "users", "disable", "bob")).out())
        .contains("already disabled: bob");
    Run unknown = run("", Map.of(), args("console", "users", "disable", "nobody"));
    assertThat(unknown.exit()).isNotZero();
    assertThat(unknown.err()).contains("username: no user nobody");

    Run listed = run("", Map.of(), args("console", "users", "list"));
    assertThat(listed.exit()).as(listed.err()).isZero();
    assertThat(listed.out().lines().toList())
        .hasSize(4)
        .anyMatch(l -> l.startsWith("bob ") && !l.endsWith(" -"))
        .anyMatch(l -> l.startsWith("carol ") && l.endsWith(" -"));
    assertThat(listed.out()).doesNotContain("$2");
  }

  @Test
  void withoutAStackOrUrlItSaysHowToStartOne() {
    Run r =
        run(
            "",
            Map.of(),
            "console",
            "users",
            "list",
            "--run-dir",
            dir.resolve("no-such-run").toString());
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("./settleflow up");
  }

  /**
   * {@code recon backtest --truth-db}: resolved alerts in ledger.reconciliation and the console's
   * finance.alerts become the labels file (here on this class's database; seconds).
   */
  @Test
  void reconBacktestGroundTruthComesFromResolvedAlerts() throws Exception {
    DataSource owner = pg.superuser("settleflow");
    try (java.sql.Connection c = owner.getConnection();
        java.sql.Statement st = c.createStatement()) {
      String rec =
          "INSERT INTO ledger.reconciliation (id, kind, status, payment_id, rule, rule_version,"
              + " explanation, resolved_by, detected_at) VALUES ";
      st.executeUpdate(
          rec
              + "('o-1', 'OVERDUE_PAYMENT', 'RESOLVED', 'pay-1', 'settlement-deadline', 1, '{}',"
              + " 'r-1', now()),"
              + " ('r-1', 'RESOLVED', 'RESOLVED', 'pay-1', 'late-settlement-resolves-overdue', 1,"
              + " '{}', null, now()),"
              + " ('a-2', 'AMOUNT_MISMATCH', 'RESOLVED', 'pay-2', 'amount-exact', 1, '{}', 'r-2',"
              + " now()),"
              + " ('r-2', 'RESOLVED', 'RESOLVED', 'pay-2', 'split-lines-sum', 1, '{}', null, now()),"
              + " ('a-3', 'AMOUNT_MISMATCH', 'OPEN', 'pay-9', 'amount-exact', 1, '{}', null, now()),"
              + " ('m-1', 'MATCH', 'MATCHED', 'pay-8', 'amount-exact', 1, '{}', null, now())");
      String alert =
          "INSERT INTO finance.alerts (alert_id, kind, payment_id, severity, status, rule, detail,"
              + " detected_at, received_at, updated_at, payload) VALUES ";
      st.executeUpdate(
          alert
              + "('f-1', 'AMOUNT_MISMATCH', 'pay-3', 'HIGH', 'RESOLVED', 'amount-exact@1', 'd',"
              + " now(), now(), now(), '\\x00'),"
              + " ('f-2', 'OVERDUE_PAYMENT', 'pay-4', 'MEDIUM', 'RESOLVED',"
              + " 'settlement-deadline@1', 'd', now(), now(), now(), '\\x00'),"
              + " ('f-3', 'FEE_DEVIATION', 'pay-5', 'MEDIUM', 'OPEN', 'fee-schedule@1', 'd', now(),"
              + " now(), now(), '\\x00')");
      st.executeUpdate(
          "INSERT INTO finance.alert_audit (alert_id, action, actor, status_after, at) VALUES"
              + " ('f-1', 'RECEIVED', 'system', 'OPEN', now()),"
              + " ('f-1', 'RESOLVE', 'alice', 'RESOLVED', now()),"
              + " ('f-2', 'RESOLVE', 'reconciliation', 'RESOLVED', now())");
    }
    Path mine = Files.writeString(dir.resolve("labels.txt"), "CHARGEBACK pay-7\n");
    Path out = dir.resolve("truth-labels.txt");

    ReconCommand.Backtest.writeTruthLabels(owner, "the test database", mine, out);

    assertThat(Files.readAllLines(out))
        .containsExactly(
            "# from " + mine,
            "CHARGEBACK pay-7",
            "# ground truth from resolved alerts in the test database: 4 resolved, 2 labelled"
                + " discrepancies, 2 not evidence of one",
            "AMOUNT_MISMATCH pay-3",
            "OVERDUE_PAYMENT pay-1");
    assertThat(ReconCommand.Backtest.redacted("jdbc:postgresql://h/db?password=x"))
        .isEqualTo("jdbc:postgresql://h/db");
  }
}
