"""PyTorch models from teaching code that more than one test module explains."""

import torch


class TiedLanguageModel(torch.nn.Module):
    """The classic recipe: the decoder's weight is the embedding's (time-first tokens)."""

    def __init__(self, vocabulary: int = 1000, width: int = 32, bias: bool = True) -> None:
        super().__init__()
        self.emb = torch.nn.Embedding(vocabulary, width)
        self.lstm = torch.nn.LSTM(width, width)
        self.dec = torch.nn.Linear(width, vocabulary, bias=bias)
        self.dec.weight = self.emb.weight

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.dec(self.lstm(self.emb(tokens))[0])
