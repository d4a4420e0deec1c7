using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Afirgen.TaskProcessor.Engine.Messages;

/// <summary>Name-based UUIDs (RFC 9562 version 5, SHA-1) in a namespace of our own.</summary>
internal static class DeterministicGuid
{
    // A fixed namespace UUID for AFIRGen task ids.
    private static readonly byte[] Namespace = Guid.Parse("6f1c5e2a-9a4b-4f0e-8b7d-3c2a1e5f9d40").ToByteArray(bigEndian: true);

    [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms",
        Justification = "RFC 9562 defines version-5 UUIDs with SHA-1, and the hash only names an id, it protects nothing: "
            + "another hash would change the ids a redelivered task derives for its children and follow-ups, so they would no longer match.")]
    public static Guid Create(string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var data = new byte[Namespace.Length + nameBytes.Length];
        Namespace.CopyTo(data, 0);
        nameBytes.CopyTo(data, Namespace.Length);
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(data, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
