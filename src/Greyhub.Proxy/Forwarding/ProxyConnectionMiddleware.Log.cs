using System.Net;
using Microsoft.Extensions.Logging;

namespace Greyhub.Proxy;

internal sealed partial class ProxyConnectionMiddleware
{
    private static partial class Log
    {
        [LoggerMessage(EventId = ProxyEvents.ConnectFailed, Level = LogLevel.Warning, Message = "Proxy: cannot connect to {EndPoint}: {Error}")]
        public static partial void ConnectFailed(ILogger logger, EndPoint endPoint, string error);

        [LoggerMessage(EventId = ProxyEvents.NoAnswer, Level = LogLevel.Warning, Message = "Proxy: {EndPoint} closed the connection without answering")]
        public static partial void NoAnswer(ILogger logger, EndPoint endPoint);

        [LoggerMessage(EventId = ProxyEvents.HeadTooLarge, Level = LogLevel.Warning, Message = "Proxy: {EndPoint} sent a response head that is cut short or over {Size} bytes")]
        public static partial void HeadTooLarge(ILogger logger, EndPoint endPoint, int size);

        [LoggerMessage(EventId = ProxyEvents.InvalidHead, Level = LogLevel.Warning, Message = "Proxy: {EndPoint} sent an invalid response head (status {Status})")]
        public static partial void InvalidHead(ILogger logger, EndPoint endPoint, int status);

        [LoggerMessage(EventId = ProxyEvents.CutShort, Level = LogLevel.Warning, Message = "Proxy: {EndPoint} closed the connection in the middle of a response")]
        public static partial void CutShort(ILogger logger, EndPoint endPoint);

        [LoggerMessage(EventId = ProxyEvents.Failed, Level = LogLevel.Warning, Message = "Proxy: {EndPoint} failed while answering: {Error}")]
        public static partial void Failed(ILogger logger, EndPoint endPoint, string error);
    }
}
