package io.memreason.web;

import io.memreason.config.MemreasonConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The server's HTTPS connector from {@code web.tls.*}: a PKCS12 keystore whose password comes from a file or an
 * environment variable (never from the configuration itself), opened once at start so a wrong password or file is a
 * clear error then, not a failed handshake later. Plain HTTP, if any, is a separate connector that only redirects.
 */
final class HttpsConnectors {
  private HttpsConnectors() {}

  /** The keystore's password: the file's first line, or the environment variable's value. */
  static char[] password(MemreasonConfig.Web.Tls tls, UnaryOperator<String> environment) {
    if (tls.passwordFile().isPresent()) {
      Path file = tls.passwordFile().get();
      try {
        return Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("").toCharArray();
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the keystore password file " + file
            + " (web.tls.keystore-password-file): " + e.getMessage(), e);
      }
    }
    String fromEnvironment = environment.apply(tls.passwordEnv());
    if (fromEnvironment == null) {
      throw new IllegalStateException("web.tls.keystore is set but its password is not: put it in the environment"
          + " variable " + tls.passwordEnv() + " (web.tls.keystore-password-env) or in a file named by"
          + " web.tls.keystore-password-file");
    }
    return fromEnvironment.toCharArray();
  }

  /** Opens the keystore, so that a wrong file or password fails the start with a message that shows neither. */
  static KeyStore open(Path keystore, char[] password) {
    try (InputStream in = Files.newInputStream(keystore)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password);
      if (store.size() == 0) {
        throw new IllegalStateException("the keystore " + keystore + " (web.tls.keystore) holds no key");
      }
      return store;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot open the keystore " + keystore + " (web.tls.keystore): it is not a"
          + " PKCS12 file, or the password given (web.tls.keystore-password-file, or the environment variable"
          + " web.tls.keystore-password-env names) is not its password", e);
    }
  }

  /** The HTTPS connector on {@code host:port}. */
  static ServerConnector https(Server server, HttpConfiguration base, String host, int port, KeyStore keystore,
                               char[] password) {
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStore(keystore);
    ssl.setKeyStorePassword(new String(password));
    HttpConfiguration https = new HttpConfiguration(base);
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    // Clients reach the server by IP address too (no SNI then); the certificate is checked by the client anyway.
    secure.setSniHostCheck(false);
    // Browsers that once saw HTTPS here use nothing else for a year.
    secure.setStsMaxAge(365L * 24 * 3600);
    https.addCustomizer(secure);
    ServerConnector connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"),
        new HttpConnectionFactory(https));
    connector.setHost(host);
    connector.setPort(port);
    return connector;
  }

  /** A plain-HTTP connector (the redirect port): every request on it is answered with a redirect to HTTPS. */
  static ServerConnector plain(Server server, HttpConfiguration base, String host, int port) {
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(new HttpConfiguration(base)));
    connector.setHost(host);
    connector.setPort(port);
    return connector;
  }
}
