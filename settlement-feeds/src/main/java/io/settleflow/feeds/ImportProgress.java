package io.settleflow.feeds;

/**
 * Told how far an import is, so a terminal can draw a progress bar. Called on the importing thread
 * every {@link SettlementImporter#PROGRESS_EVERY_ENTRIES} entries and once at the end; it must be
 * quick and must not throw.
 */
@FunctionalInterface
public interface ImportProgress {
  /**
   * @param bytesRead bytes of the file read so far by the publishing pass
   * @param totalBytes the file's size
   * @param entries entries handled so far (published, rejected or skipped)
   * @param done true on the last call of a file
   */
  void update(long bytesRead, long totalBytes, long entries, boolean done);

  ImportProgress NONE = (bytesRead, totalBytes, entries, done) -> {};
}
