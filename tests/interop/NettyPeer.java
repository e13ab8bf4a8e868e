// The Netty 4.1 peer of tests/interop/netty_test.ts. It listens on 127.0.0.1 (port 0, printed
// as "PORT n"), and each connection starts with one configuration line:
//   "<decoder> <echo>\n"
// decoder: len:<BE|LE>:<max>:<offset>:<fieldLength>:<adjustment>:<strip>
//          delim:<max>:<hex>,<hex>...   line:<max>   haproxy
// echo:    u32 (each frame as a 4-byte big-endian length + bytes, LengthFieldPrepender(4)),
//          prep:<BE|LE>:<fieldLength>:<adjustment>:<includesLength> (LengthFieldPrepender),
//          app:<hex> (the frame followed by those bytes)
// A decoded HAProxyMessage is answered with a text description in u32 framing; the bytes
// after the header are echoed in u32 framing too. It exits when its stdin closes.
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.*;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.*;
import io.netty.handler.codec.haproxy.*;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

public class NettyPeer {
  public static void main(String[] args) throws Exception {
    NioEventLoopGroup group = new NioEventLoopGroup(1);
    ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast("setup", new Setup());
          }
        });
    Channel server = b.bind("127.0.0.1", 0).sync().channel();
    System.out.println("PORT " + ((java.net.InetSocketAddress) server.localAddress()).getPort());
    System.out.flush();
    while (System.in.read() >= 0) {}
    server.close().sync();
    group.shutdownGracefully();
    System.exit(0);
  }

  static ByteOrder order(String s) {
    return s.equals("LE") ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
  }

  static byte[] hex(String s) {
    return ByteBufUtil.decodeHexDump(s);
  }

  static class Setup extends ByteToMessageDecoder {
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      int eol = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
      if (eol < 0) return;
      String line = in.readCharSequence(eol - in.readerIndex(), StandardCharsets.US_ASCII).toString();
      in.skipBytes(1);
      String[] cfg = line.split(" ");
      String[] d = cfg[0].split(":");
      String[] e = cfg[1].split(":");
      ChannelPipeline p = ctx.pipeline();
      ChannelHandler decoder;
      switch (d[0]) {
        case "len":
          decoder = new LengthFieldBasedFrameDecoder(order(d[1]), Integer.parseInt(d[2]),
              Integer.parseInt(d[3]), Integer.parseInt(d[4]), Integer.parseInt(d[5]),
              Integer.parseInt(d[6]), true);
          break;
        case "delim": {
          String[] hs = d[2].split(",");
          ByteBuf[] ds = new ByteBuf[hs.length];
          for (int i = 0; i < hs.length; i++) ds[i] = Unpooled.wrappedBuffer(hex(hs[i]));
          decoder = new DelimiterBasedFrameDecoder(Integer.parseInt(d[1]), true, true, ds);
          break;
        }
        case "line":
          decoder = new LineBasedFrameDecoder(Integer.parseInt(d[1]), true, true);
          break;
        default:
          decoder = new HAProxyMessageDecoder();
      }
      ChannelHandler encoder = e[0].equals("prep")
          ? new LengthFieldPrepender(order(e[1]), Integer.parseInt(e[2]), Integer.parseInt(e[3]),
              e[4].equals("1"))
          : new LengthFieldPrepender(4);
      byte[] trailer = e[0].equals("app") ? hex(e[1]) : null;
      p.addAfter("setup", "enc", encoder);
      p.addAfter("enc", "dec", decoder);
      p.addAfter("dec", "echo", new Echo(trailer));
      p.remove(this);
    }
  }

  static class Echo extends ChannelInboundHandlerAdapter {
    final byte[] trailer;

    Echo(byte[] trailer) {
      this.trailer = trailer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HAProxyMessage) {
        HAProxyMessage m = (HAProxyMessage) msg;
        StringBuilder sb = new StringBuilder();
        sb.append(m.protocolVersion()).append(' ').append(m.command()).append(' ')
            .append(m.proxiedProtocol()).append(' ').append(m.sourceAddress()).append(' ')
            .append(m.sourcePort()).append(' ').append(m.destinationAddress()).append(' ')
            .append(m.destinationPort());
        for (HAProxyTLV t : m.tlvs()) {
          sb.append(' ').append(String.format("%02x", t.typeByteValue() & 0xff)).append('=')
              .append(ByteBufUtil.hexDump(t.content()));
        }
        m.release();
        ctx.writeAndFlush(Unpooled.copiedBuffer(sb.toString(), StandardCharsets.UTF_8));
        return;
      }
      ByteBuf frame = (ByteBuf) msg;
      if (trailer != null) {
        // write the frame and the delimiter around the prepender (it is not in this path)
        ByteBuf out = ctx.alloc().buffer(frame.readableBytes() + trailer.length);
        out.writeBytes(frame).writeBytes(trailer);
        frame.release();
        ctx.channel().pipeline().context("enc").writeAndFlush(out);
        return;
      }
      ctx.writeAndFlush(frame);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
