namespace Greyhub.Data.Access;

/// <summary>How the hub serves datasets (<c>Greyhub:Data</c>).</summary>
public sealed class DataAccessOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Greyhub:Data";

    /// <summary>
    /// Folders under which datasets may be registered; a location outside every one (after resolving symlinks) is
    /// refused. Empty: the data folder's <c>datasets</c> folder alone.
    /// </summary>
    public List<string> AllowedRoots { get; set; } = [];

    /// <summary>How long a signed URL lasts when the request names no lifetime.</summary>
    public TimeSpan SignedUrlLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The longest lifetime a signed URL may be issued for.</summary>
    public TimeSpan SignedUrlMaxLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long the dataset table is trusted before it is read again: a change through this hub takes effect at once,
    /// a change through another hub sharing the database within this time. Chunk requests never wait on the database.
    /// </summary>
    public TimeSpan RegistryRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>max-age</c> of served data (always <c>private</c>: the data is behind authentication).</summary>
    public TimeSpan CacheMaxAge { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Whether web pages of other origins may read <c>/data/</c> (GET, HEAD, the STAC search's POST) with CORS. They
    /// never get credentials: the browser's login cookie is not honoured cross-origin, only a token the page sends
    /// itself or a signed URL.
    /// </summary>
    public bool CorsEnabled { get; set; } = true;

    /// <summary>
    /// The origins (<c>https://viewer.example.org</c>) allowed to read cross-origin. Empty: any origin (<c>*</c>), which
    /// is safe because no credentials are allowed: a page must already hold a token or a signed URL.
    /// </summary>
    public List<string> CorsAllowedOrigins { get; set; } = [];

    /// <summary>
    /// URL prefixes (<c>https://data.example.org/zarr/</c>, ending in <c>/</c>) under which remote HTTP Zarr stores may be
    /// registered as datasets. Empty: no remote dataset may be registered, so the hub never fetches from an address an
    /// administrator typed unless the operator allowed it.
    /// </summary>
    public List<string> AllowedRemotes { get; set; } = [];

    /// <summary>The longest a request to a remote store may take, headers and body together.</summary>
    public TimeSpan RemoteTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The largest answer taken from a remote store; a larger one is refused (or cut) with an error.</summary>
    public long RemoteMaxResponseBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>How many redirects of a remote store are followed, each only within the dataset's own URL.</summary>
    public int RemoteMaxRedirects { get; set; } = 3;

    /// <summary>
    /// The longest the hub's own read of a remote dataset may take (its hierarchy, its STAC extent, a quick look): past
    /// it the dataset is reported as unavailable, and that answer is kept like any other for
    /// <see cref="RemoteCacheLifetime"/>, so a slow remote never holds a search, a page or a drawing slot longer.
    /// </summary>
    public TimeSpan RemoteDeadline { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a remote dataset's hierarchy and extent (or the reason there is none) are kept before being read again.</summary>
    public TimeSpan RemoteCacheLifetime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The most metadata bytes kept for remote datasets altogether; the least recently used go first.</summary>
    public long RemoteCacheBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>The largest metadata document (<c>.zmetadata</c>, <c>.zarray</c>, <c>zarr.json</c>...) the hub itself reads from a remote.</summary>
    public long RemoteMaxMetadataBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>The largest HTML index page of a remote folder the hub reads for the names of its children.</summary>
    public long RemoteMaxListingBytes { get; set; } = 512L * 1024;

    /// <summary>The largest chunk the hub itself reads from a remote (for a quick look or an extent).</summary>
    public long RemoteMaxChunkBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>The most bytes one of the hub's own reads of a remote dataset fetches (an extent, a quick look).</summary>
    public long RemoteMaxReadBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Exploring a remote Zarr v2 or v3 store without consolidated metadata: at most this many requests (documents,
    /// index pages and probes of names that turn out not to be nodes)...
    /// </summary>
    public int RemoteCrawlMaxDocuments { get; set; } = 2000;

    /// <summary>... this many bytes altogether ...</summary>
    public long RemoteCrawlMaxBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>... and groups this deep (the root is depth 0); all within <see cref="RemoteDeadline"/>.</summary>
    public int RemoteCrawlMaxDepth { get; set; } = 16;

    /// <summary>The largest key a writer may PUT or POST to a local dataset.</summary>
    public long MaxWriteBytes { get; set; } = 256L * 1024 * 1024;
}
