package io.settleflow.risk;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Puts every RocksDB instance of the process (window stores open one per segment) under one block
 * cache and one memtable budget charged to that cache, so off-heap memory stays near {@link
 * #BLOCK_CACHE_BYTES} however many segments and partitions the instance owns. This is the
 * bounded-memory setter from the Kafka Streams memory-management guide.
 */
public final class BoundedRocksDbConfig implements RocksDBConfigSetter {
  /** Streams config keys this setter reads (passed through the Streams properties). */
  public static final String BLOCK_CACHE_BYTES = "settleflow.rocksdb.block.cache.bytes";

  public static final String WRITE_BUFFER_BYTES = "settleflow.rocksdb.write.buffer.bytes";

  /** Index and filter blocks stay cached ahead of data blocks. */
  private static final double HIGH_PRIORITY_POOL_RATIO = 0.1;

  /** Each store's memtable; the shared budget above caps the sum. */
  private static final long MAX_MEMTABLE_BYTES = 4L * 1024 * 1024;

  private static final int MEMTABLES_PER_STORE = 2;
  private static final int BLOCK_SIZE_BYTES = 16 * 1024;

  // Shared by every store the process opens; created by the first store, never closed per store.
  private static Cache cache;
  private static WriteBufferManager writeBufferManager;
  private static long memtableBytes;

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    initShared(
        longConfig(configs, BLOCK_CACHE_BYTES, RiskConfig.DEFAULT_ROCKSDB_BLOCK_CACHE_BYTES),
        longConfig(configs, WRITE_BUFFER_BYTES, RiskConfig.DEFAULT_ROCKSDB_WRITE_BUFFER_BYTES));
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(cache);
    table.setCacheIndexAndFilterBlocks(true);
    table.setCacheIndexAndFilterBlocksWithHighPriority(true);
    table.setPinTopLevelIndexAndFilter(true);
    table.setBlockSize(BLOCK_SIZE_BYTES);
    options.setWriteBufferManager(writeBufferManager);
    options.setWriteBufferSize(memtableBytes);
    options.setMaxWriteBufferNumber(MEMTABLES_PER_STORE);
    options.setTableFormatConfig(table);
  }

  @Override
  public void close(String storeName, Options options) {
    // The cache and write-buffer manager are shared with the other stores: not closed here.
  }

  private static synchronized void initShared(long cacheBytes, long writeBufferBytes) {
    if (cache == null) {
      cache = new LRUCache(cacheBytes, -1, false, HIGH_PRIORITY_POOL_RATIO);
      writeBufferManager = new WriteBufferManager(writeBufferBytes, cache);
      memtableBytes = Math.max(64 * 1024, Math.min(MAX_MEMTABLE_BYTES, writeBufferBytes / 4));
    }
  }

  private static long longConfig(Map<String, Object> configs, String key, long defaultValue) {
    Object value = configs.get(key);
    if (value == null) {
      return defaultValue;
    }
    return value instanceof Number n ? n.longValue() : Long.parseLong(value.toString().trim());
  }
}
