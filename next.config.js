// @ts-check
/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  devIndicators: false,
  // ioredis and socket.io run only on the server; keep them out of the bundler.
  serverExternalPackages: ["ioredis", "socket.io"],
};

module.exports = nextConfig;
