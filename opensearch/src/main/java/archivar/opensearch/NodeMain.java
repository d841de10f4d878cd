package archivar.opensearch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.index.reindex.ReindexPlugin;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * One OpenSearch node in this JVM, from the jars on the classpath: no distribution, no plugin
 * installer. Usage: {@code java -cp CLASSPATH archivar.opensearch.NodeMain HOME}, where
 * HOME/config/opensearch.yml holds the node's settings (written by opensearch/cluster).
 * The modules and plugins a distribution would load from its modules/ and plugins/ folders are
 * given to the node as classes instead. Runs until SIGTERM or SIGINT, then closes the node.
 */
public final class NodeMain {
    /**
     * What this node can do beyond the server: the distribution's modules archivar uses (HTTP and
     * transport, analysis, painless scripts, delete/update by query and reindex) and the phonetic
     * filter.
     */
    static final List<Class<? extends Plugin>> PLUGINS = List.of(
        Netty4Plugin.class, CommonAnalysisPlugin.class, PainlessPlugin.class, ReindexPlugin.class,
        PhoneticPlugin.class);

    /** Node's constructor that takes plugin classes is protected. */
    static final class EmbeddedNode extends Node {
        EmbeddedNode(Environment env, Collection<Class<? extends Plugin>> plugins) {
            super(env, plugins, true);
        }
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: NodeMain HOME   (HOME/config/opensearch.yml has the settings)");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Path config = home.resolve("config");
        if (!Files.isRegularFile(config.resolve("opensearch.yml"))) {
            System.err.println("NodeMain: " + config.resolve("opensearch.yml") + " does not exist");
            System.exit(2);
        }
        Node node;
        try {
            Settings base = Settings.builder().put("path.home", home.toString()).build();
            Environment env = InternalSettingsPreparer.prepareEnvironment(base, Map.of(), config, () -> "node");
            node = new EmbeddedNode(env, PLUGINS);
            node.start();
        } catch (Exception | LinkageError e) {
            System.err.println("NodeMain: node in " + home + " failed to start: " + e);
            e.printStackTrace();
            System.exit(1);
            return;
        }
        System.err.println("NodeMain: started, pid " + ProcessHandle.current().pid());
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println("NodeMain: close failed: " + e);
            } finally {
                closed.countDown();
            }
        }, "archivar-node-close"));
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
