// The Netty 4.1 peer of tests/interop/netty_test.ts. It listens on 127.0.0.1 (port 0, printed
// as "PORT n"), and each connection starts with one configuration line:
//   "<decoder> <echo>\n"
// decoder: len:<BE|LE>:<max>:<offset>:<fieldLength>:<adjustment>:<strip>
//          delim:<max>:<hex>,<hex>...   line:<max>
//          haproxy (the header handed to HAProxyMessageDecoder in a buffer of its own)
//          haproxy-shared (a whole v2 header, handed over in a buffer whose reader index is
//            past the configuration line, as in the buffer both came in: Netty 4.1.48 then
//            cuts the header short by that many bytes, see the test)
// echo:    u32 (each frame as a 4-byte big-endian length + bytes, LengthFieldPrepender(4)),
//          prep:<BE|LE>:<fieldLength>:<adjustment>:<includesLength> (LengthFieldPrepender),
//          app:<hex> (the frame followed by those bytes)
// A decoded HAProxyMessage is answered with a text description in u32 framing; the bytes
// after the header are echoed in u32 framing too.
//
// "job <decoder>\n" runs one decoder in an EmbeddedChannel instead, so that Netty and sockkit see
// exactly the same pieces: the client sends u32-framed chunks, each written into the channel
// as one read, then an empty chunk, which ends the input (finish(), Netty's channelInactive).
// decoder: len:<BE|LE>:<max>:<offset>:<fieldLength>:<adjustment>:<strip>:<failFast 0|1>
//          line:<max>:<strip 0|1>:<failFast 0|1>
//          delim:<max>:<strip 0|1>:<failFast 0|1>:<hex>,<hex>...
// The answer is a list of events, each a tag byte, a u32 big-endian length and bytes:
// 'F' a frame, 'T' a TooLongFrameException, 'C' another decoder exception (its message), and
// 'X' (empty) after the input ended. Then the peer closes the connection.
//
// It exits when its stdin closes.
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.*;
import io.netty.channel.embedded.EmbeddedChannel;
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
      boolean shared = in.getByte(in.readerIndex()) == 'h' &&
          in.toString(in.readerIndex(), eol - in.readerIndex(), StandardCharsets.US_ASCII)
              .startsWith("haproxy-shared");
      if (shared) {
        // Wait for the whole v2 header, so that it reaches the decoder in one buffer.
        int avail = in.writerIndex() - (eol + 1);
        if (avail < 16 || avail < 16 + in.getUnsignedShort(eol + 1 + 14)) return;
      }
      String line = in.readCharSequence(eol - in.readerIndex(), StandardCharsets.US_ASCII).toString();
      in.skipBytes(1);
      String[] cfg = line.split(" ");
      if (cfg[0].equals("job")) {
        ChannelPipeline p = ctx.pipeline();
        p.addAfter("setup", "job", new Job(cfg[1]));
        if (in.isReadable()) out.add(in.readBytes(in.readableBytes()));
        p.remove(this);
        return;
      }
      if (shared) {
        // The header in a buffer whose reader index is past the configuration line, as it is
        // in the buffer both came in (ByteToMessageDecoder hands its cumulation on like that).
        int pad = line.length() + 1;
        ByteBuf b = ctx.alloc().buffer(pad + in.readableBytes());
        b.writeZero(pad).readerIndex(pad);
        b.writeBytes(in, in.readableBytes());
        out.add(b);
      }
      if (cfg[0].equals("haproxy") && in.isReadable()) {
        // Hand the header over in a buffer of its own (reader index 0), as a pipeline whose
        // first handler is HAProxyMessageDecoder sees it.
        out.add(in.readBytes(in.readableBytes()));
      }
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
        default: // haproxy, haproxy-shared
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

  static ChannelHandler jobDecoder(String spec) {
    String[] d = spec.split(":");
    switch (d[0]) {
      case "len":
        return new LengthFieldBasedFrameDecoder(order(d[1]), Integer.parseInt(d[2]),
            Integer.parseInt(d[3]), Integer.parseInt(d[4]), Integer.parseInt(d[5]),
            Integer.parseInt(d[6]), d[7].equals("1"));
      case "line":
        return new LineBasedFrameDecoder(Integer.parseInt(d[1]), d[2].equals("1"),
            d[3].equals("1"));
      case "delim": {
        String[] hs = d[4].split(",");
        ByteBuf[] ds = new ByteBuf[hs.length];
        for (int i = 0; i < hs.length; i++) ds[i] = Unpooled.wrappedBuffer(hex(hs[i]));
        return new DelimiterBasedFrameDecoder(Integer.parseInt(d[1]), d[2].equals("1"),
            d[3].equals("1"), ds);
      }
      default:
        throw new IllegalArgumentException("unknown job decoder " + spec);
    }
  }

  // Reads u32-framed chunks and feeds each, as one read, to the decoder in an EmbeddedChannel.
  // A handler behind the decoder records frames and exceptions in the order they come: Netty's
  // line and delimiter decoders report a too-long frame with fireExceptionCaught and go on
  // decoding the same read, the length-field decoder throws.
  static class Job extends ByteToMessageDecoder {
    final ByteBuf events = Unpooled.buffer();
    final EmbeddedChannel ch;

    Job(String spec) {
      ch = new EmbeddedChannel(jobDecoder(spec), new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
          ByteBuf f = (ByteBuf) msg;
          byte[] b = new byte[f.readableBytes()];
          f.readBytes(b);
          f.release();
          event('F', b);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable e) {
          Throwable t = e instanceof DecoderException && e.getCause() != null ? e.getCause() : e;
          event(t instanceof TooLongFrameException ? 'T' : 'C',
              String.valueOf(t.getMessage()).getBytes(StandardCharsets.UTF_8));
        }
      });
    }

    void event(char tag, byte[] bytes) {
      events.writeByte(tag).writeInt(bytes.length).writeBytes(bytes);
    }

    void run(Runnable r) {
      try {
        r.run();
      } catch (RuntimeException e) {
        event('C', String.valueOf(e).getBytes(StandardCharsets.UTF_8));
      }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      while (in.readableBytes() >= 4) {
        int n = in.getInt(in.readerIndex());
        if (in.readableBytes() < 4 + n) return;
        in.skipBytes(4);
        if (n == 0) {
          run(() -> ch.finish());
          event('X', new byte[0]);
          ctx.writeAndFlush(events).addListener(ChannelFutureListener.CLOSE);
          return;
        }
        ByteBuf chunk = in.readBytes(n);
        run(() -> ch.writeInbound(chunk));
      }
    }
  }
}
