package org.fleetproxy.proxy.support;

import com.hazelcast.partition.Partition;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.fleetproxy.proxy.cluster.Fleet;
import org.fleetproxy.proxy.cluster.HazelcastSetup;
import org.fleetproxy.proxy.config.ConfigOverrides;
import org.fleetproxy.proxy.config.ConfigSource;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The test's own seat in a fleet, joined as {@code ctl} joins it (a lite member that holds no
 * data and is no proxy node), to ask the cluster what only a member can: which node holds an
 * entry of a cluster map, so a test can kill exactly that one.
 */
public final class LiteMember implements AutoCloseable {

  private static final String VERTX_NODE_ID = "__vertx.nodeId";

  private final Vertx vertx;
  private final HazelcastClusterManager manager;

  private LiteMember(Vertx vertx, HazelcastClusterManager manager) {
    this.vertx = vertx;
    this.manager = manager;
  }

  /** Joins the fleet the config file {@code conf} names. */
  public static LiteMember join(Path conf) throws Exception {
    HazelcastClusterManager manager = HazelcastSetup.clusterManager(
        new ConfigSource(conf, ConfigOverrides.NONE).load().cluster(), true);
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(new EventBusOptions()
            .setClusterNodeMetadata(new JsonObject().put(Fleet.ROLE, Fleet.ROLE_CONTROL))))
        .withClusterManager(manager)
        .buildClustered().await(60, TimeUnit.SECONDS);
    return new LiteMember(vertx, manager);
  }

  /**
   * The cluster node id (a node's {@code member} in {@code proxy.status}) of the member that owns
   * {@code key}'s partition: Vert.x names its nodes by a member attribute of its own.
   */
  public String ownerOf(Object key) {
    Partition p = manager.getHazelcastInstance().getPartitionService().getPartition(key);
    return p.getOwner() == null ? null : p.getOwner().getAttribute(VERTX_NODE_ID);
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
  }
}
