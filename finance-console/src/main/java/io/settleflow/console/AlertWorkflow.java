package io.settleflow.console;

import java.util.regex.Pattern;

/**
 * Which action an alert's state allows and the state after it. Acknowledge moves OPEN to
 * ACKNOWLEDGED; assign names who works it (any unresolved state, status kept); resolve needs a note
 * and is final.
 */
public final class AlertWorkflow {
  public static final int MAX_NOTE_CHARS = 2_000;
  public static final Pattern ASSIGNEE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

  private AlertWorkflow() {}

  /** The status and assignee after the action. */
  public record Transition(AlertStatus status, String assignee, String note) {}

  /**
   * @throws ConsoleInputException naming the field that makes the action impossible
   */
  public static Transition apply(
      AlertStatus current,
      String currentAssignee,
      AlertAction action,
      String assignee,
      String note) {
    if (action == null) {
      throw ConsoleInputException.invalid("action", "is required");
    }
    String cleanNote = note == null || note.isBlank() ? null : note.strip();
    if (cleanNote != null && cleanNote.length() > MAX_NOTE_CHARS) {
      throw ConsoleInputException.invalid("note", "must be at most " + MAX_NOTE_CHARS + " chars");
    }
    if (current == AlertStatus.RESOLVED) {
      throw ConsoleInputException.conflict("status", "the alert is already resolved");
    }
    return switch (action) {
      case ACKNOWLEDGE -> {
        if (current != AlertStatus.OPEN) {
          throw ConsoleInputException.conflict("status", "the alert is already acknowledged");
        }
        yield new Transition(AlertStatus.ACKNOWLEDGED, currentAssignee, cleanNote);
      }
      case ASSIGN -> {
        if (assignee == null || assignee.isBlank()) {
          throw ConsoleInputException.invalid("assignee", "is required");
        }
        String who = assignee.strip();
        if (!ASSIGNEE.matcher(who).matches()) {
          throw ConsoleInputException.invalid(
              "assignee", "must be a username (a-z, 0-9, '.', '_', '-'; at most 64)");
        }
        yield new Transition(current, who, cleanNote);
      }
      case RESOLVE -> {
        if (cleanNote == null) {
          throw ConsoleInputException.invalid("note", "is required to resolve an alert");
        }
        yield new Transition(AlertStatus.RESOLVED, currentAssignee, cleanNote);
      }
    };
  }
}
