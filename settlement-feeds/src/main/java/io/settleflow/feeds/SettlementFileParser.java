package io.settleflow.feeds;

/**
 * Turns one settlement file into records and rejected lines. One implementation per file format
 * (settleflow CSV now; processor and bank formats such as Stripe, Adyen, PayPal, camt.053 and BAI2
 * later). Implementations are pure: no I/O beyond the bytes given, no clock.
 */
public interface SettlementFileParser {
  /**
   * Parses a whole file.
   *
   * @param content the file's bytes, exactly as received (its SHA-256 is the file id)
   * @param source the processor or bank the file came from; part of every record's event id
   * @param fileId {@link SettlementIds#fileId(byte[])} of {@code content}, or {@link
   *     SettlementImporter#FILE_ID_PENDING} from the importer, which sets the id on every record
   *     before it is published
   * @throws UnreadableFileException when the file as a whole cannot be read (not this format,
   *     missing columns, too large); nothing of it should then be published
   */
  ParsedFile parse(byte[] content, String source, String fileId) throws UnreadableFileException;

  /**
   * The same, handing each entry and warning to {@code sink} in file order as soon as it is ready,
   * so a caller can publish while the rest is parsed. Every whole-file check (format, header, size)
   * is made before the first entry is handed on: an {@link UnreadableFileException} leaves the sink
   * untouched.
   */
  default void parse(byte[] content, String source, String fileId, ParsedLineSink sink)
      throws UnreadableFileException {
    ParsedFile parsed = parse(content, source, fileId);
    parsed.lines().forEach(sink::accept);
    parsed.warnings().forEach(sink::warn);
  }

  /** A short name of the format, for summaries and logs. */
  String format();
}
