using System.Buffers.Text;
using System.Net.Sockets;
using System.Text;

namespace Crowd.OAuth.Bench;

/// <summary>
/// The measured loop's HTTP/1.1 client, in the manner of wrk: one keep-alive connection per worker,
/// requests written as prepared bytes, responses parsed just enough to be checked (status line,
/// Content-Length or chunked body, Connection: close). It costs the load generator a fraction of what
/// HttpClient costs per request, which on this 2-core box is CPU taken from the server and PostgreSQL.
/// Seeding (login, consent, authorizations) and the code-flow scenario keep HttpClient.
/// </summary>
public sealed class RawHttpConnection(string host, int port) : IDisposable
{
    private Socket? _socket;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start, _end;

    public static RawHttpConnection For(Uri baseUrl) => new(baseUrl.Host, baseUrl.Port);

    public string HostHeader => $"{host}:{port}";

    /// <summary>Sends one request and reads its response; the body is valid until the next call.</summary>
    public async Task<(int Status, ReadOnlyMemory<byte> Body)> SendAsync(ReadOnlyMemory<byte> request, CancellationToken ct)
    {
        if (_socket is null)
        {
            _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await _socket.ConnectAsync(host, port, ct);
            _start = _end = 0;
        }
        try
        {
            while (request.Length > 0)
            {
                var sent = await _socket.SendAsync(request, SocketFlags.None, ct);
                request = request[sent..];
            }
            return await ReadResponseAsync(ct);
        }
        catch
        {
            Close();
            throw;
        }
    }

    private async Task<(int Status, ReadOnlyMemory<byte> Body)> ReadResponseAsync(CancellationToken ct)
    {
        int headerEnd;
        while ((headerEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0) await FillAsync(ct);
        var head = _buffer.AsSpan(_start, headerEnd);
        if (head.Length < 12 || !Utf8Parser.TryParse(head[9..12], out int status, out _)) throw new HttpIOException(HttpRequestError.InvalidResponse, "bad status line");
        long contentLength = -1;
        bool chunked = false, close = false;
        foreach (var range in head.Split("\r\n"u8))
        {
            var line = head[range];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0) continue;
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8)) Utf8Parser.TryParse(value, out contentLength, out _);
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8)) chunked = Ascii.EqualsIgnoreCase(value, "chunked"u8);
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8)) close = Ascii.EqualsIgnoreCase(value, "close"u8);
        }
        _start += headerEnd + 4;

        ReadOnlyMemory<byte> body;
        if (chunked) body = await ReadChunkedAsync(ct);
        else
        {
            var length = (int)Math.Max(0, contentLength);
            while (_end - _start < length) await FillAsync(ct);
            body = _buffer.AsMemory(_start, length);
            _start += length;
        }
        if (close) Close();
        return (status, body);
    }

    private async Task<ReadOnlyMemory<byte>> ReadChunkedAsync(CancellationToken ct)
    {
        var body = new List<byte>();
        while (true)
        {
            int lineEnd;
            while ((lineEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0) await FillAsync(ct);
            var sizeText = _buffer.AsSpan(_start, lineEnd);
            var semicolon = sizeText.IndexOf((byte)';');
            if (semicolon >= 0) sizeText = sizeText[..semicolon];
            if (!Utf8Parser.TryParse(sizeText, out int size, out _, 'x')) throw new HttpIOException(HttpRequestError.InvalidResponse, "bad chunk size");
            _start += lineEnd + 2;
            while (_end - _start < size + 2) await FillAsync(ct);
            body.AddRange(_buffer.AsSpan(_start, size));
            _start += size + 2;
            if (size == 0) return body.ToArray();
        }
    }

    private async Task FillAsync(CancellationToken ct)
    {
        if (_start > 0 && _start == _end) _start = _end = 0;
        if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        var read = await _socket!.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, ct);
        if (read == 0) throw new HttpIOException(HttpRequestError.ResponseEnded, "the server closed the connection");
        _end += read;
    }

    private void Close()
    {
        _socket?.Dispose();
        _socket = null;
    }

    public void Dispose() => Close();

    /// <summary>GET with a bearer token, as bytes.</summary>
    public byte[] BearerGet(string path, string token) =>
        Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {HostHeader}\r\nAuthorization: Bearer {token}\r\n\r\n");

    /// <summary>A form POST, as bytes.</summary>
    public byte[] FormPost(string path, IEnumerable<KeyValuePair<string, string>> form)
    {
        var body = string.Join("&", form.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        return Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: {HostHeader}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {Encoding.ASCII.GetByteCount(body)}\r\n\r\n{body}");
    }
}
