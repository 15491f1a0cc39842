Console.WriteLine("greyhub");
