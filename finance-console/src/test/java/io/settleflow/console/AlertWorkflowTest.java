package io.settleflow.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AlertWorkflowTest {

  @ParameterizedTest(name = "{0} + {1}(assignee={2}, note={3}) -> {4}/{5}")
  @CsvSource(
      nullValues = "NULL",
      value = {
        // current,    action,      assignee, note,            status after, assignee after
        "OPEN,         ACKNOWLEDGE, NULL,     NULL,            ACKNOWLEDGED, NULL",
        "OPEN,         ASSIGN,      alice,    NULL,            OPEN,         alice",
        "ACKNOWLEDGED, ASSIGN,      ' bob ',  handing over,    ACKNOWLEDGED, bob",
        "OPEN,         RESOLVE,     NULL,     settled late,    RESOLVED,     NULL",
        "ACKNOWLEDGED, RESOLVE,     NULL,     '  fee booked ', RESOLVED,     NULL",
      })
  void allowedActions(
      AlertStatus current,
      AlertAction action,
      String assignee,
      String note,
      AlertStatus statusAfter,
      String assigneeAfter) {
    AlertWorkflow.Transition t = AlertWorkflow.apply(current, null, action, assignee, note);
    assertThat(t.status()).isEqualTo(statusAfter);
    assertThat(t.assignee()).isEqualTo(assigneeAfter);
    assertThat(t.note()).isEqualTo(note == null ? null : note.strip());
  }

  @ParameterizedTest(name = "{0} + {1}(assignee={2}, note={3}) refused: {4} {5}")
  @CsvSource(
      nullValues = "NULL",
      value = {
        // current,    action,      assignee,  note,    field,    conflict
        "RESOLVED,     ACKNOWLEDGE, NULL,      NULL,    status,   true",
        "RESOLVED,     ASSIGN,      alice,     NULL,    status,   true",
        "RESOLVED,     RESOLVE,     NULL,      again,   status,   true",
        "ACKNOWLEDGED, ACKNOWLEDGE, NULL,      NULL,    status,   true",
        "OPEN,         ASSIGN,      NULL,      NULL,    assignee, false",
        "OPEN,         ASSIGN,      '  ',      NULL,    assignee, false",
        "OPEN,         ASSIGN,      Alice!,    NULL,    assignee, false",
        "OPEN,         RESOLVE,     NULL,      NULL,    note,     false",
        "OPEN,         RESOLVE,     NULL,      '   ',   note,     false",
        "OPEN,         NULL,        NULL,      NULL,    action,   false",
      })
  void refusedActionsNameTheField(
      AlertStatus current,
      AlertAction action,
      String assignee,
      String note,
      String field,
      boolean conflict) {
    assertThatThrownBy(() -> AlertWorkflow.apply(current, null, action, assignee, note))
        .isInstanceOfSatisfying(
            ConsoleInputException.class,
            e -> {
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.isConflict()).isEqualTo(conflict);
            });
  }

  @org.junit.jupiter.api.Test
  void noteLongerThanTheLimitIsRefused() {
    String note = "x".repeat(AlertWorkflow.MAX_NOTE_CHARS + 1);
    assertThatThrownBy(
            () -> AlertWorkflow.apply(AlertStatus.OPEN, null, AlertAction.RESOLVE, null, note))
        .isInstanceOfSatisfying(
            ConsoleInputException.class, e -> assertThat(e.field()).isEqualTo("note"));
    assertThat(
            AlertWorkflow.apply(
                    AlertStatus.OPEN,
                    "carol",
                    AlertAction.RESOLVE,
                    null,
                    "x".repeat(AlertWorkflow.MAX_NOTE_CHARS))
                .assignee())
        .isEqualTo("carol");
  }
}
