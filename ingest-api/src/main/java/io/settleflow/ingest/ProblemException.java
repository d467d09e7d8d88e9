package io.settleflow.ingest;

/** Thrown by handlers and parsers; the API turns it into an application/problem+json response. */
public final class ProblemException extends RuntimeException {
  private final Problem problem;

  public ProblemException(Problem problem) {
    // No stack trace: this is an expected outcome of bad input, not a failure to debug.
    super(problem.code() + ": " + problem.detail(), null, false, false);
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }
}
