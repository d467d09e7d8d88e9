package io.settleflow.deploy;

import io.settleflow.console.ConsoleStore;
import io.settleflow.console.Passwords;
import io.settleflow.embedded.PostgresServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./settleflow console users add|list|disable}: finance users of the console, in the ledger
 * database's {@code finance.users} (bcrypt, as the console checks them). A password is never an
 * argument (it would sit in the shell history and the process list): it comes from a file, stdin or
 * {@value #PASSWORD_ENV}.
 */
@Command(
    name = "console",
    mixinStandardHelpOptions = true,
    description = "The finance console.",
    subcommands = {ConsoleCommand.Users.class})
final class ConsoleCommand extends GroupCommand {
  static final String PASSWORD_ENV = "SETTLEFLOW_CONSOLE_USER_PASSWORD";
  static final String DB_PASSWORD_ENV = "SETTLEFLOW_CONSOLE_DB_PASSWORD";

  /** Longest password input read (bcrypt uses 72 bytes; more is refused by the check). */
  static final int MAX_PASSWORD_INPUT_BYTES = 4096;

  /** Where the users live: the local stack's database, or one named by URL. */
  static final class Database {
    @CommandLine.Mixin SettleflowCli.RunDirOption run = new SettleflowCli.RunDirOption();

    @Option(
        names = "--db-url",
        description =
            "JDBC URL of the ledger database (default: the running local stack's, as its superuser).")
    String dbUrl;

    @Option(
        names = "--db-user",
        description =
            "Database role with --db-url (default: "
                + ConsoleStore.ROLE
                + "; its password from "
                + DB_PASSWORD_ENV
                + " or the file named by "
                + DB_PASSWORD_ENV
                + "_FILE).")
    String dbUser;

    ConsoleStore store(Map<String, String> env) {
      PGSimpleDataSource ds = new PGSimpleDataSource();
      if (dbUrl == null) {
        ds.setUrl(StackEndpoints.read(run.resolve()).jdbcUrl());
        ds.setUser(PostgresServer.SUPERUSER);
      } else {
        ds.setUrl(dbUrl);
        ds.setUser(dbUser == null ? ConsoleStore.ROLE : dbUser);
        String file = env.get(DB_PASSWORD_ENV + "_FILE");
        try {
          String password =
              file != null ? Files.readString(Path.of(file)).strip() : env.get(DB_PASSWORD_ENV);
          if (password != null) {
            ds.setPassword(password);
          }
        } catch (IOException e) {
          throw new IllegalArgumentException(DB_PASSWORD_ENV + "_FILE: cannot read " + file, e);
        }
      }
      return new ConsoleStore(ds, Clock.systemUTC());
    }
  }

  @Command(
      name = "users",
      mixinStandardHelpOptions = true,
      description = "Finance users who can sign in to the console.",
      subcommands = {Users.Add.class, Users.ListUsers.class, Users.Disable.class})
  static final class Users extends GroupCommand {
    @Command(
        name = "add",
        mixinStandardHelpOptions = true,
        description = {
          "Add a finance user. The password (12+ characters, at most 72 bytes) is read from"
              + " --password-file, from stdin with --password-stdin, or from "
              + PASSWORD_ENV
              + "; never from an argument."
        })
    static final class Add implements Callable<Integer> {
      @CommandLine.Mixin Database db = new Database();
      @CommandLine.Spec CommandLine.Model.CommandSpec spec;

      @Parameters(
          paramLabel = "NAME",
          description = "Username: lowercase letters, digits, '.', '_' or '-', up to 64.")
      String name;

      @Option(names = "--password-file", description = "Read the password from this file.")
      Path passwordFile;

      @Option(names = "--password-stdin", description = "Read the password from stdin.")
      boolean passwordStdin;

      /** Where stdin comes from (tests hand in their own). */
      InputStream stdin = System.in;

      /** The environment (tests hand in their own). */
      Map<String, String> env = System.getenv();

      @Override
      public Integer call() throws IOException {
        String password = password();
        Passwords.checkNewUser(name, password);
        db.store(env)
            .addUser(
                name, new Passwords(new SecureRandom(), Passwords.DEFAULT_COST).hash(password));
        spec.commandLine().getOut().println("added finance user " + name);
        spec.commandLine().getOut().flush();
        return 0;
      }

      private String password() throws IOException {
        int sources = (passwordFile != null ? 1 : 0) + (passwordStdin ? 1 : 0);
        if (sources > 1) {
          throw new IllegalArgumentException(
              "password: give one of --password-file and --password-stdin");
        }
        if (passwordFile != null) {
          return firstLine(Files.readAllBytes(passwordFile));
        }
        if (passwordStdin) {
          return firstLine(readBounded(stdin));
        }
        String fromEnv = env.get(PASSWORD_ENV);
        if (fromEnv == null || fromEnv.isEmpty()) {
          throw new IllegalArgumentException(
              "password: give --password-file FILE, --password-stdin or " + PASSWORD_ENV);
        }
        return fromEnv;
      }
    }

    @Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = "List finance users: name, created, and disabled (never the password hash).")
    static final class ListUsers implements Callable<Integer> {
      @CommandLine.Mixin Database db = new Database();
      @CommandLine.Spec CommandLine.Model.CommandSpec spec;
      Map<String, String> env = System.getenv();

      @Override
      public Integer call() {
        List<ConsoleStore.User> users = db.store(env).users();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-32s %-24s %s%n", "USER", "CREATED", "DISABLED");
        for (ConsoleStore.User u : users) {
          out.printf(
              "%-32s %-24s %s%n",
              u.username(), u.createdAt(), u.disabledAt().map(Object::toString).orElse("-"));
        }
        out.flush();
        return 0;
      }
    }

    @Command(
        name = "disable",
        mixinStandardHelpOptions = true,
        description =
            "Disable a finance user: they can no longer sign in, and their open sessions end.")
    static final class Disable implements Callable<Integer> {
      @CommandLine.Mixin Database db = new Database();
      @CommandLine.Spec CommandLine.Model.CommandSpec spec;
      Map<String, String> env = System.getenv();

      @Parameters(paramLabel = "NAME", description = "Username.")
      String name;

      @Override
      public Integer call() {
        boolean changed = db.store(env).disableUser(name);
        spec.commandLine()
            .getOut()
            .println((changed ? "disabled finance user " : "already disabled: ") + name);
        spec.commandLine().getOut().flush();
        return 0;
      }
    }
  }

  /** The first line, without its line end (a file written by echo ends with one). */
  static String firstLine(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    int end = text.indexOf('\n');
    String line = end < 0 ? text : text.substring(0, end);
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }

  private static byte[] readBounded(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[512];
    int n;
    while ((n = in.read(buffer)) >= 0) {
      out.write(buffer, 0, n);
      if (out.size() > MAX_PASSWORD_INPUT_BYTES) {
        throw new IllegalArgumentException(
            "password: more than " + MAX_PASSWORD_INPUT_BYTES + " bytes on stdin");
      }
    }
    return out.toByteArray();
  }
}
