/**
 * The address tour: the course notes' address examples (chapter 12.3), ported line for line.
 *
 * ```sh
 * deno run examples/address_tour.ts      # no permissions needed
 * ```
 *
 * @module
 */
import {
  AF_INET,
  htonl,
  htons,
  InAddr,
  INADDR_ANY,
  INADDR_LOOPBACK,
  INADDR_NONE,
  inet_addr,
  inet_aton,
  inet_ntoa,
  inet_pton,
  ntohs,
} from "../src/bsd/mod.ts";
import { packSockaddr, unpackSockaddr } from "../src/addr/mod.ts";
import { parseHostPort } from "../mod.ts";

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
const h32 = (n: number) => "0x" + n.toString(16).padStart(8, "0");

/** Runs the tour, writing each step with `log`. */
export function addressTour(log: (line: string) => void = console.log): void {
  // in_addr addr; addr.S_un.S_addr = inet_addr("202.119.9.199");
  log(
    `inet_addr("202.119.9.199") = ${
      h32(inet_addr("202.119.9.199"))
    }  (network-order bytes read little-endian)`,
  );
  const addr = new InAddr();
  addr.S_un.S_addr = inet_addr("202.119.9.199");
  const b = addr.S_un.S_un_b, w = addr.S_un.S_un_w;
  log(`in_addr views of the same 4 bytes:`);
  log(`  S_un_b: s_b1=${b.s_b1} s_b2=${b.s_b2} s_b3=${b.s_b3} s_b4=${b.s_b4}`);
  log(`  S_un_w: s_w1=0x${w.s_w1.toString(16)} s_w2=0x${w.s_w2.toString(16)}`);
  log(`  S_addr: ${h32(addr.S_un.S_addr)}   inet_ntoa(addr) = "${inet_ntoa(addr)}"`);
  log(
    `  s_net=${addr.s_net} s_host=${addr.s_host} s_lh=${addr.s_lh} s_impno=${addr.s_impno} s_imp=0x${
      addr.s_imp.toString(16)
    }`,
  );

  // Network byte order ("big end first") versus host byte order ("little end first").
  log(
    `htons(5000) = 0x${htons(5000).toString(16)}  (5000 = 0x1388; ntohs back: ${
      ntohs(htons(5000))
    })`,
  );
  log(
    `htonl(INADDR_LOOPBACK) === inet_addr("127.0.0.1"): ${
      htonl(INADDR_LOOPBACK) === inet_addr("127.0.0.1")
    }`,
  );
  log(`INADDR_ANY = ${h32(INADDR_ANY)}, for servers that listen on every interface`);

  // struct sockaddr_in ServerAddr; memset(&ServerAddr, 0, sizeof ServerAddr);
  // ServerAddr.sin_family = AF_INET; ServerAddr.sin_port = htons(5000);
  // ServerAddr.sin_addr.s_addr = inet_addr("127.0.0.1");
  const sa = packSockaddr({ transport: "tcp", hostname: "127.0.0.1", port: 5000 }, {
    layout: "linux",
  });
  log(`sockaddr_in for 127.0.0.1:5000 (Linux):  ${hex(sa)}`);
  log(
    `  family ${sa[0] | (sa[1] << 8)} (AF_INET=${AF_INET}) | port ${
      hex(sa.subarray(2, 4))
    } | addr ${hex(sa.subarray(4, 8))} | sin_zero`,
  );
  const bsd = packSockaddr({ transport: "tcp", hostname: "127.0.0.1", port: 5000 }, {
    layout: "darwin",
  });
  log(`sockaddr_in for 127.0.0.1:5000 (macOS):  ${hex(bsd)}  (sin_len, then a 1-byte family)`);
  log(`  unpacked again: ${JSON.stringify(unpackSockaddr(sa, { layout: "linux" }))}`);

  // The legacy forms C accepts, and why sockkit parses strictly everywhere else.
  log(
    `inet_addr("255.255.255.255") === INADDR_NONE: ${
      inet_addr("255.255.255.255") === INADDR_NONE
    } (the ambiguity)`,
  );
  log(
    `inet_aton("0127.0.0.1") = ${
      inet_aton("0127.0.0.1")?.join(".")
    } (octal!), inet_pton rejects it: ${inet_pton(AF_INET, "0127.0.0.1")}`,
  );
  try {
    parseHostPort("0127.0.0.1:80");
  } catch (e) {
    log(`parseHostPort("0127.0.0.1:80") throws ${(e as Error).name}: ${(e as Error).message}`);
  }
}

if (import.meta.main) addressTour();
