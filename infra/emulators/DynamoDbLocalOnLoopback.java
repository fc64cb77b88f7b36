import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBRequestHandler;
import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBServerHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Starts DynamoDB Local bound to 127.0.0.1 only.
 *
 * The jar's own command line has no host flag and listens on every interface;
 * this uses its embedded server API instead (the same handlers ServerRunner
 * builds) behind a Jetty connector on loopback. In memory, one shared database.
 */
public class DynamoDbLocalOnLoopback {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        LocalDynamoDBRequestHandler requests = new LocalDynamoDBRequestHandler(0, true, null, true, false);
        LocalDynamoDBServerHandler handler = new LocalDynamoDBServerHandler(requests, null);
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        // DynamoDBProxyServer is only used for its handler wiring; its own
        // all-interfaces server is never started.
        server.setHandler(new DynamoDBProxyServer(port, handler).setUpHandler(handler));
        server.start();
        System.out.println("DynamoDB Local listening on 127.0.0.1:" + port);
        server.join();
    }
}
